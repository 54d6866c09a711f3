// Entering VR: an immersive-vr session over the same WebRTC stream.  The button shows only
// where the browser says it can; every XR frame sends the head and both eyes upstream on
// an unordered, no-retransmit "pose" channel (a late pose is worth nothing) and draws the
// newest video frame into each eye.  Ending the session (the headset's own menu, or the
// button) hands back the flat page as it was: the stream, the camera, the visitor's place.

const VERTEX = `#version 300 es
// One triangle over the whole viewport; uv in [0, 1] from the bottom left.
out vec2 uv;
void main() {
  vec2 corner = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  uv = corner;
  gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}`;

// Reprojection goes here: u_warp maps this display frame's pixel to the picture's pixel.
// Today it is the identity; rotational timewarp makes it K·R·K⁻¹ per eye (K the eye's
// projection, R the turn from the pose the frame was rendered with to this frame's).
const FRAGMENT = `#version 300 es
precision mediump float;
uniform sampler2D u_video;
uniform mat3 u_warp;
uniform vec4 u_half;  // the eye's part of the video: x, y, width, height in [0, 1]
in vec2 uv;
out vec4 colour;
void main() {
  vec3 p = u_warp * vec3(uv, 1.0);
  vec2 at = p.xy / p.z;
  if (p.z <= 0.0 || any(lessThan(at, vec2(0.0))) || any(greaterThan(at, vec2(1.0)))) {
    colour = vec4(0.32, 0.32, 0.34, 1.0);  // a neutral room, never a black edge
    return;
  }
  colour = texture(u_video, u_half.xy + vec2(at.x, 1.0 - at.y) * u_half.zw);
}`;

const IDENTITY = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
const WHOLE = [0, 0, 1, 1];

const round = (value, scale) => Math.round(value * scale) / scale;
const vector = (v) => [round(v.x, 1e5), round(v.y, 1e5), round(v.z, 1e5)];
const quaternion = (q) => [round(q.x, 1e6), round(q.y, 1e6), round(q.z, 1e6), round(q.w, 1e6)];

/** The pose message the server's parser takes (streaming/visit/pose.py). */
export function poseMessage(time, pose) {
  const { position, orientation } = pose.transform;
  return {
    t: round(time, 1e3),
    p: vector(position),
    q: quaternion(orientation),
    views: pose.views.slice(0, 2).map((view) => ({
      eye: view.eye,
      p: vector(view.transform.position),
      q: quaternion(view.transform.orientation),
      m: Array.from(view.projectionMatrix, (x) => round(x, 1e6)),
    })),
  };
}

function program(gl) {
  const made = gl.createProgram();
  for (const [kind, text] of [[gl.VERTEX_SHADER, VERTEX], [gl.FRAGMENT_SHADER, FRAGMENT]]) {
    const shader = gl.createShader(kind);
    gl.shaderSource(shader, text);
    gl.compileShader(shader);
    gl.attachShader(made, shader);
  }
  gl.linkProgram(made);
  if (!gl.getProgramParameter(made, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(made));
  return made;
}

/**
 * The Enter VR button and the XR session it starts.  ``peer()`` is the page's current
 * RTCPeerConnection (it changes on retry); ``words(key)`` the page's words; ``toast``
 * tells the visitor why VR did not start.
 */
export function createXr({ button, video, peer, words, toast }) {
  const state = {
    session: null, frames: 0, posesSent: 0, channel: null, pc: null, supported: false, checked: false,
  };
  let gl = null;
  let shader = null;
  let texture = null;
  let space = null;

  function label() {
    button.dataset.i18n = state.session ? 'exitVr' : 'enterVr';
    button.textContent = words(button.dataset.i18n);
    button.setAttribute('aria-pressed', String(Boolean(state.session)));
  }

  async function check() {
    const xr = navigator.xr;
    state.supported = Boolean(xr) && await xr.isSessionSupported('immersive-vr').catch(() => false);
    button.hidden = !state.supported;
    state.checked = true;
  }

  /** The pose channel of the current peer connection, opened on first use. */
  function channel() {
    const pc = peer();
    if (!pc || pc.connectionState === 'closed') return null;
    if (state.pc !== pc || !state.channel || state.channel.readyState === 'closed') {
      state.pc = pc;
      state.channel = pc.createDataChannel('pose', { ordered: false, maxRetransmits: 0 });
    }
    return state.channel.readyState === 'open' ? state.channel : null;
  }

  function sendPose(time, pose) {
    const open = channel();
    if (!open || open.bufferedAmount > 4096) return;  // a backed-up link: skip, never queue
    open.send(JSON.stringify(poseMessage(time, pose)));
    state.posesSent += 1;
  }

  function draw(pose, layer) {
    gl.bindFramebuffer(gl.FRAMEBUFFER, layer.framebuffer);
    gl.clearColor(0.32, 0.32, 0.34, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (video.readyState < 2) return;
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGB, gl.RGB, gl.UNSIGNED_BYTE, video);
    gl.useProgram(shader);
    gl.uniformMatrix3fv(gl.getUniformLocation(shader, 'u_warp'), false, IDENTITY);
    // The stream is one picture today; with stereo frames each eye takes its half here.
    gl.uniform4fv(gl.getUniformLocation(shader, 'u_half'), WHOLE);
    for (const view of pose.views) {
      const viewport = layer.getViewport(view);
      gl.viewport(viewport.x, viewport.y, viewport.width, viewport.height);
      gl.drawArrays(gl.TRIANGLES, 0, 3);
    }
  }

  function onFrame(time, frame) {
    const session = frame.session;
    if (session !== state.session) return;
    session.requestAnimationFrame(onFrame);
    state.frames += 1;
    const pose = frame.getViewerPose(space);
    if (!pose) return;
    sendPose(frame.predictedDisplayTime ?? time, pose);
    draw(pose, session.renderState.baseLayer);
  }

  function ended() {
    state.session = null;
    space = null;
    document.body.classList.remove('in-vr');
    label();
    video.play().catch(() => {});  // the flat page's picture goes on where it was
  }

  async function enter() {
    const session = await navigator.xr.requestSession('immersive-vr', { requiredFeatures: ['local-floor'] });
    try {
      if (!gl) {
        gl = document.createElement('canvas').getContext('webgl2', { xrCompatible: true, alpha: false });
        if (!gl) throw new Error('WebGL2 is not available');
        shader = program(gl);
        texture = gl.createTexture();
        gl.bindTexture(gl.TEXTURE_2D, texture);
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
      }
      await gl.makeXRCompatible();
      session.updateRenderState({ baseLayer: new XRWebGLLayer(session, gl) });
      space = await session.requestReferenceSpace('local-floor');
    } catch (err) {
      await session.end().catch(() => {});
      throw err;
    }
    state.session = session;
    state.frames = 0;
    session.addEventListener('end', ended, { once: true });
    document.body.classList.add('in-vr');
    label();
    channel();  // open it now, so poses flow from the first frames
    session.requestAnimationFrame(onFrame);
  }

  button.addEventListener('click', () => {
    if (state.session) { state.session.end(); return; }
    enter().catch((err) => {
      console.warn('museion: VR did not start', err);
      toast(`${words('vrFailed')} (${err && err.message || err})`);
    });
  });
  if (navigator.xr) navigator.xr.addEventListener('devicechange', check);
  check();
  label();
  return {
    get session() { return state.session; },
    get frames() { return state.frames; },
    get posesSent() { return state.posesSent; },
    get supported() { return state.supported; },
    get checked() { return state.checked; },
    refresh: label,
    exit: () => (state.session ? state.session.end() : Promise.resolve()),
  };
}
