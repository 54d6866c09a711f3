// The Enter VR button and the immersive session behind it, for any page that shows
// something in a headset (the gallery's stereo stream, a docent tour's screen).  The
// button shows only where the browser says it can; pressing it starts an immersive-vr
// session with a local-floor space on a WebGL2 layer, and pressing it again (or the
// headset's own menu) ends it.  What is drawn is the page's: `start`, `frame`, `end`.

/**
 * `button` is the Enter VR button; `words(key)` the page's words; `toast` tells the
 * visitor why VR did not start.  `start({session, gl, space})` runs once the session is
 * set up (it may throw: the session then ends); `frame(time, xrFrame, pose, layer)` every
 * XR frame with a viewer pose; `end()` when the session ends, whoever ended it.  The
 * button stays hidden where `allowed()` says no (a docent's page: its followers see it).
 */
export function createVrEntry({ button, words, toast, start, frame, end, allowed = () => true }) {
  const state = { session: null, frames: 0, supported: false, checked: false, gl: null, space: null };

  function label() {
    button.dataset.i18n = state.session ? 'exitVr' : 'enterVr';
    button.textContent = words(button.dataset.i18n);
    button.setAttribute('aria-pressed', String(Boolean(state.session)));
  }

  async function check() {
    const xr = navigator.xr;
    state.supported = allowed() && Boolean(xr)
      && await xr.isSessionSupported('immersive-vr').catch(() => false);
    button.hidden = !state.supported;
    state.checked = true;
  }

  function onFrame(time, xrFrame) {
    const session = xrFrame.session;
    if (session !== state.session) return;
    session.requestAnimationFrame(onFrame);
    state.frames += 1;
    const pose = xrFrame.getViewerPose(state.space);
    if (pose) frame(time, xrFrame, pose, session.renderState.baseLayer);
  }

  function ended() {
    state.session = null;
    state.space = null;
    document.body.classList.remove('in-vr');
    label();
    end();
  }

  async function enter() {
    const session = await navigator.xr.requestSession('immersive-vr', { requiredFeatures: ['local-floor'] });
    try {
      if (!state.gl) {
        const gl = document.createElement('canvas').getContext('webgl2', { xrCompatible: true, alpha: false });
        if (!gl) throw new Error('WebGL2 is not available');
        state.gl = gl;
      }
      await state.gl.makeXRCompatible();
      session.updateRenderState({ baseLayer: new XRWebGLLayer(session, state.gl) });
      state.space = await session.requestReferenceSpace('local-floor');
      start({ session, gl: state.gl, space: state.space });
    } catch (err) {
      await session.end().catch(() => {});
      throw err;
    }
    state.session = session;
    state.frames = 0;
    session.addEventListener('end', ended, { once: true });
    document.body.classList.add('in-vr');
    label();
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
    get supported() { return state.supported; },
    get checked() { return state.checked; },
    get space() { return state.space; },
    refresh: label,
    exit: () => (state.session ? state.session.end() : Promise.resolve()),
  };
}
