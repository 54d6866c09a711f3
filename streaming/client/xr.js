// Entering VR: an immersive-vr session over the same WebRTC stream.  The button shows only
// where the browser says it can; every XR frame sends the head and both eyes upstream on
// an unordered, no-retransmit "pose" channel (a late pose is worth nothing) and draws the
// newest video frame into each eye.  Ending the session (the headset's own menu, or the
// button) hands back the flat page as it was: the stream, the camera, the visitor's place.

import { createHands } from '/static/xr_hands.js';
import { createVrEntry } from '/static/xr_session.js';
import { createReprojector, quatMultiply, yawQuaternion } from '/static/reproject.js';

const ROOM = [0.42, 0.41, 0.39];  // the neutral room a stall or a blink fades to
const STALL = 300;                // ms without a new picture before the fade starts
const STALL_FADE = 500;           // ms the fade to the room takes
const BLINK = 180;                // ms a blink (teleport, snap turn, a tour's step) opens in
const DIM = 120;                  // ms the picture dims in as a teleport is asked for
const DIM_MOST = 1000;            // ms it stays dim waiting for the new spot, at most
const RTP_SLACK = 4;              // ticks Chromium's rtpTimestamp may come back low by
const newer = (a, b) => ((a - b) >>> 0) < 0x80000000;  // a at or after b, mod 2^32

/** How much of the picture to show (1) against the room (0): fading once the stream
 * stalls, opening after a blink. */
export function visibility(now, arrived, blinked, dimmed = null) {
  const stall = 1 - Math.min(1, Math.max(0, now - arrived - STALL) / STALL_FADE);
  const blink = blinked === null ? 1 : Math.min(1, Math.max(0, now - blinked) / BLINK);
  const dim = dimmed === null || now - dimmed > DIM_MOST ? 1 : 1 - Math.min(1, (now - dimmed) / DIM);
  return Math.min(stall, blink, dim);
}

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

/**
 * The Enter VR button and the XR session it starts.  ``peer()`` is the page's current
 * RTCPeerConnection (it changes on retry); ``send(command)`` sends a view command;
 * ``words(key)`` the page's words; ``toast`` tells the visitor why VR did not start;
 * ``language()`` gives [language, fallback]; ``step()`` moves a guided tour on.
 * The page hands over the view channel's headset messages with ``update(message)``.
 */
export function createXr({
  button, video, peer, send = () => false, words, toast, language = () => ['en', 'en'], step = () => {},
  allowed = () => true,
}) {
  const state = {
    posesSent: 0, channel: null, pc: null,
    // The picture in the texture: its stereo message, when it arrived, when first drawn.
    shown: null, arrived: 0, drawn: false, spot: null, blinked: null, heading: null,
    stereoFrames: 0, lateness: [], reported: 0, place: null, dimmed: null,
    reproject: true, latencies: [], turning: null,
  };
  let hands = null;
  let queue = [];  // stereo messages waiting for their frame, oldest first
  let gl = null;
  let warp = null;

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

  /** A frame reached the screen: take it into the texture with what it was rendered with
   * (a flat frame, with none, is not shown in the headset). */
  function onVideoFrame(now, metadata) {
    video.requestVideoFrameCallback(onVideoFrame);
    if (!entry.session || !warp || typeof metadata.rtpTimestamp !== 'number') return;
    const rtp = metadata.rtpTimestamp >>> 0;
    const upTo = (rtp + RTP_SLACK) >>> 0;
    let found = null;
    while (queue.length && newer(upTo, queue[0].rtp)) found = queue.shift();
    if (!found || !newer(found.rtp, (rtp - RTP_SLACK) >>> 0)) return;  // flat, or unknown
    warp.upload(video);
    if (state.turning && found.spot === state.turning.spot) {
      // Rendered before the snap turn: keep the turned heading, so it is turned at once.
    } else {
      // A new spot opens with a blink, unless a snap turn already blinked and turned it.
      if (state.spot !== null && found.spot !== state.spot && !state.turning) state.blinked = performance.now();
      if (found.spot !== state.spot) state.dimmed = null;
      state.turning = null;
      state.heading = found.heading;
    }
    // The same render sent again (the head was still): alive, but no new measure.
    if (!state.shown || found.t !== state.shown.t) state.drawn = false;
    state.spot = found.spot;
    state.shown = found;
    state.arrived = performance.now();
    state.stereoFrames += 1;
  }
  if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) {
    video.requestVideoFrameCallback(onVideoFrame);
  }

  /** The page's measure of the server's prediction: how late frames reach the display
   * against the time the head was predicted for; the median, once a second. */
  function measure(displayTime) {
    const shown = state.shown;
    if (!shown || state.drawn || typeof shown.t !== 'number') return;
    state.drawn = true;
    state.lateness.push((displayTime - shown.t) / 1000);
    if (typeof shown.from === 'number') {  // pose to photon of the picture itself
      state.latencies.push(displayTime - shown.from);
      if (state.latencies.length > 600) state.latencies.shift();
    }
    if (displayTime - state.reported < 1000 || state.lateness.length < 5) return;
    const sorted = state.lateness.sort((a, b) => a - b);
    const late = sorted[Math.floor(sorted.length / 2)];
    state.lateness = [];
    state.reported = displayTime;
    send({ type: 'shown', late: Math.max(-1, Math.min(1, Math.round(late * 1e4) / 1e4)) });
  }

  function draw(pose, layer, displayTime) {
    gl.bindFramebuffer(gl.FRAMEBUFFER, layer.framebuffer);
    gl.clearColor(ROOM[0], ROOM[1], ROOM[2], 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    const shown = state.shown;
    if (!shown) {
      for (const view of pose.views) {
        const v = layer.getViewport(view);
        gl.viewport(v.x, v.y, v.width, v.height);
        hands.draw(view);
      }
      return;
    }
    measure(displayTime);
    const now = performance.now();
    const fresh = visibility(now, state.arrived, state.blinked, state.dimmed);
    // A frame rendered before a snap turn sees the hall as it then stood: turn the display
    // into that frame's space (the heading is the newest known).
    const turn = yawQuaternion((state.heading ?? shown.heading) - shown.heading);
    for (const view of pose.views) {
      const side = view.eye === 'right' ? 1 : 0;
      const rendered = shown.eyes[side];
      // Without reprojection (a diagnostic: what the headset would show with video alone)
      // the picture is drawn as if the head had not moved since it was rendered.
      const q = rendered.q;
      const orientation = state.reproject ? view.transform.orientation : { x: q[0], y: q[1], z: q[2], w: q[3] };
      warp.draw(layer.getViewport(view), {
        half: side,
        displayProjection: view.projectionMatrix,
        displayOrientation: quatMultiply(turn, [orientation.x, orientation.y, orientation.z, orientation.w]),
        renderedProjection: rendered.m,
        renderedOrientation: rendered.q,
        fresh,
      });
      hands.draw(view);
    }
  }

  /** The hall is about to move: dim until the new spot shows (a teleport), or blink at
   * once, turning the frames already here by the turn (a snap turn). */
  function moving(kind, degrees = 0) {
    if (kind === 'turn') {
      if (state.heading !== null) {
        state.heading += degrees;
        state.turning = { spot: state.spot };
      }
      state.blinked = performance.now();
    } else {
      state.dimmed = performance.now();
    }
  }

  const entry = createVrEntry({
    button,
    words,
    toast,
    allowed,
    start({ session, gl: context }) {
      if (gl !== context) {
        gl = context;
        warp = createReprojector(gl, ROOM);
      }
      state.spot = null;
      state.blinked = null;
      state.dimmed = null;
      state.turning = null;
      hands = createHands({ session, gl, send, language, moving, step });
      channel();  // open it now, so poses flow from the first frames
    },
    frame(time, xrFrame, pose, layer) {
      const displayTime = xrFrame.predictedDisplayTime ?? time;
      hands.frame(xrFrame, entry.space, pose);
      sendPose(displayTime, pose);
      draw(pose, layer, displayTime);
    },
    end() {
      hands.dispose();
      hands = null;
      state.shown = null;
      queue = [];
      video.play().catch(() => {});  // the flat page's picture goes on where it was
    },
  });

  /** A headset message from the view channel (stereo frames, where the space stands). */
  function update(message) {
    if (message.type === 'stereo') {
      if (typeof message.rtp !== 'number' || !Array.isArray(message.eyes) || message.eyes.length !== 2) return;
      queue.push(message);
      if (queue.length > 90) queue.shift();  // frames never shown (the tab was hidden)
    } else if (message.type === 'xr_place') {
      state.place = message;
      if (hands) hands.update(message);
    } else if (message.type === 'error' && message.code === 'TELEPORT_BLOCKED') {
      state.dimmed = null;  // refused: the hall stays, open again
    } else if (hands) {
      hands.update(message);  // picked, tour
    }
  }

  return {
    get session() { return entry.session; },
    get frames() { return entry.frames; },
    get posesSent() { return state.posesSent; },
    get supported() { return entry.supported; },
    get checked() { return entry.checked; },
    /** Stereo frames taken into the headset, and the one shown now (for tests). */
    get stereoFrames() { return state.stereoFrames; },
    get shown() { return state.shown; },
    get place() { return state.place; },
    /** The local-floor space poses are read in (for tests reading the headset's view). */
    get space() { return entry.space; },
    get hands() { return hands; },
    /** Re-project each display frame to the head (true, the default); false shows the
     * video as rendered, for measuring what reprojection gains. */
    get reproject() { return state.reproject; },
    set reproject(on) { state.reproject = Boolean(on); },
    /** Recent pose-to-photon times (ms): a pose sent to its picture first shown. */
    get latencies() { return state.latencies.slice(); },
    /** True while the picture is dimmed waiting for a teleport's new spot. */
    get dimmed() { return state.dimmed !== null && performance.now() - state.dimmed < DIM_MOST; },
    update,
    refresh() {
      entry.refresh();
      if (hands) hands.relabel();
    },
    exit: entry.exit,
  };
}
