// Carrying on after the gallery's node is lost (a crash, a cable, a node taken out of a
// cluster): the page notices (the connection failed, the session was closed, or no picture
// for a few seconds while it should be playing), makes a new session at the same address
// (a cluster's door places it on a node that is up), and sends back where the visitor was
// (the server's newest `where`), so they carry on at the same spot, relic, tour step.
// Only after a short series of failed attempts does the visitor see an error and Retry.

const SILENT_MS = 3000;  // a playing stream sends at least a few frames a second, even idle
export const ATTEMPTS_MS = [0, 1000, 2000, 3000, 4000];  // about 10 s in all

/**
 * `video` is the page's video element; `playing()` says whether a picture should be
 * arriving now; `reconnect()` makes a new session and resolves true once it answered;
 * `giveUp(title, message)` shows the error after the last attempt.
 */
export function createFailover({ video, playing, reconnect, giveUp }) {
  const state = { recovering: false, lastFrame: performance.now(), recoveries: 0 };

  function onFrame() {
    state.lastFrame = performance.now();
    video.requestVideoFrameCallback(onFrame);
  }
  if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) {
    video.requestVideoFrameCallback(onFrame);
    setInterval(() => {
      // A hidden tab draws no frames: silence there is not a lost node.
      if (document.visibilityState !== 'visible' || state.recovering || !playing()) return;
      if (performance.now() - state.lastFrame > SILENT_MS) lost('Connection lost', 'No picture has arrived for a few seconds.');
    }, 1000);
  }

  const pause = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

  /** The session is gone: try again, quietly, a few times; then tell the visitor. */
  async function lost(title, message) {
    if (state.recovering) return;
    state.recovering = true;
    try {
      for (const wait of ATTEMPTS_MS) {
        await pause(wait);
        if (await reconnect()) {
          state.recoveries += 1;
          state.lastFrame = performance.now();
          return;
        }
      }
      giveUp(title, message);
    } finally {
      state.recovering = false;
    }
  }

  return {
    lost,
    get recovering() { return state.recovering; },
    /** Sessions made again after a loss (for tests). */
    get recoveries() { return state.recoveries; },
  };
}
