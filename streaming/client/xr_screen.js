// A docent tour in a headset: the docent's view (one render for every follower, so it is
// a flat picture) shown as a large screen standing in a quiet room in front of where the
// follower looked as they entered VR, world-fixed so turning the head looks around it;
// the label the docent opens, or the tour step's narration, stands beside it as a panel
// of page-drawn text in the follower's language.  The docent's voice plays as before.
import { quatMultiply, yawQuaternion } from '/static/reproject.js';
import { createVrEntry } from '/static/xr_session.js';
import { createPanel, createWorld } from '/static/xr_world.js';

const ROOM = [0.42, 0.41, 0.39];
const SCREEN = Object.freeze({ width: 2.4, distance: 2.2 });  // metres
const ASIDE = 40;  // degrees to the right of the screen the panel stands

/** The four corners (top left, top right, bottom left, bottom right) of a `width`-metre
 * screen of `aspect` (width / height) `distance` ahead of `head` along the level `ahead`. */
export function screenCorners(head, ahead, distance, width, aspect) {
  const centre = [head[0] + ahead[0] * distance, head[1], head[2] + ahead[2] * distance];
  const right = [-ahead[2], 0, ahead[0]];
  const w = width / 2;
  const h = w / aspect;
  const corner = (sx, sy) => [centre[0] + right[0] * sx * w, centre[1] + sy * h, centre[2] + right[2] * sx * w];
  return [corner(-1, 1), corner(1, 1), corner(-1, -1), corner(1, -1)];
}

/** The level direction a head looks along (its forward with the pitch taken out). */
function levelAhead({ x, y, z, w }) {
  const forward = [-2 * (x * z + w * y), -2 * (y * z - w * x), -(1 - 2 * (x * x + y * y))];
  const length = Math.hypot(forward[0], forward[2]);
  return length < 1e-6 ? [0, 0, -1] : [forward[0] / length, 0, forward[2] / length];
}

/**
 * Enter VR on the follower page: `button`, `video` (the docent's stream), `words`,
 * `toast`, and `language()` giving [language, fallback].  `show(label)` puts the docent's
 * label on the panel (null takes it away); `narrate(narration)` a step's narration.
 */
export function createXrScreen({ button, video, words, toast, language }) {
  const state = { gl: null, world: null, panel: null, texture: null, screen: null, head: null, label: null, narration: null, drawn: 0 };

  function upload(gl) {
    if (video.readyState < 2) return false;
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, state.texture);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, video);
    return true;
  }

  function placeScreen(pose) {
    const { position, orientation } = pose.transform;
    const head = [position.x, position.y, position.z];
    const ahead = levelAhead(orientation);
    const aspect = (video.videoWidth || 16) / (video.videoHeight || 9);
    state.screen = {
      visible: true,
      texture: state.texture,
      corners: screenCorners(head, ahead, SCREEN.distance, SCREEN.width, aspect),
    };
    const q = [orientation.x, orientation.y, orientation.z, orientation.w];
    // Turned right: the panel stands beside the screen, not in front of it.
    state.head = { position: head, orientation: quatMultiply(yawQuaternion(-ASIDE), q) };
    tell();
  }

  function tell() {
    const panel = state.panel;
    if (!panel || !state.head) return;
    if (state.label) panel.show(state.label, ...language(), state.head);
    else if (state.narration) panel.show({ metadata: { description: state.narration } }, ...language(), state.head);
    else panel.hide();
  }

  const entry = createVrEntry({
    button,
    words,
    toast,
    start({ gl }) {
      if (state.gl !== gl) {
        state.gl = gl;
        state.world = createWorld(gl);
        state.panel = createPanel(gl);
        state.texture = gl.createTexture();
        gl.bindTexture(gl.TEXTURE_2D, state.texture);
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
      }
      state.screen = null;  // set where the follower looks in the first frame
    },
    frame(time, xrFrame, pose, layer) {
      const { gl } = state;
      if (!state.screen) placeScreen(pose);
      gl.bindFramebuffer(gl.FRAMEBUFFER, layer.framebuffer);
      gl.clearColor(ROOM[0], ROOM[1], ROOM[2], 1);
      gl.clear(gl.COLOR_BUFFER_BIT);
      const showing = upload(gl);
      for (const view of pose.views) {
        const v = layer.getViewport(view);
        gl.viewport(v.x, v.y, v.width, v.height);
        const eye = { projection: view.projectionMatrix, view: view.transform.inverse.matrix };
        if (showing) state.world.draw(eye, { panel: state.screen });
        if (state.panel.visible) state.world.draw(eye, { panel: state.panel });
      }
      if (showing) state.drawn += 1;
    },
    end() {
      state.screen = null;
      video.play().catch(() => {});
    },
  });

  return {
    get session() { return entry.session; },
    get frames() { return entry.frames; },
    get checked() { return entry.checked; },
    get space() { return entry.space; },
    /** XR frames that showed the docent's picture on the screen (for tests). */
    get drawn() { return state.drawn; },
    get panel() { return state.panel; },
    show(label) { state.label = label; tell(); },
    narrate(narration) { state.narration = narration; tell(); },
    refresh() { entry.refresh(); tell(); },
    exit: entry.exit,
  };
}
