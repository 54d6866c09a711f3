// Hotspot markers: HTML buttons over the video, placed where the server says each hotspot
// is in the current frame, so they stay crisp, clickable and readable by screen readers.
// Each marks message names the RTP timestamp of its frame; the markers move when that
// frame is shown (requestVideoFrameCallback), not when the message arrives, so they stay
// on the relic while it turns.
import { pickText } from '/static/label.js';

/** Where the picture sits inside the video element (object-fit: contain letterboxes it). */
export function frameRect(video) {
  const box = video.getBoundingClientRect();
  const vw = video.videoWidth || 16;
  const vh = video.videoHeight || 9;
  const scale = Math.min(box.width / vw, box.height / vh);
  return {
    left: box.left + (box.width - vw * scale) / 2,
    top: box.top + (box.height - vh * scale) / 2,
    width: vw * scale,
    height: vh * scale,
  };
}

export function createHotspots({ layer, video, labels, onOpen }) {
  const titles = new Map();   // "exhibit/hotspot" -> language map
  const buttons = new Map();  // "exhibit/hotspot" -> button
  let marks = [];
  let queue = [];             // marks messages waiting for their frame, oldest first
  let shownRtp = null;        // RTP timestamp of the frame on screen
  const RTP_SLACK = 4;
  const newer = (a, b) => ((a - b) >>> 0) < 0x80000000;  // a at or after b, mod 2^32

  let appliedRtp = null;

  function apply(message) {
    marks = Array.isArray(message.marks) ? message.marks : [];
    appliedRtp = typeof message.rtp === 'number' ? message.rtp : null;
    render();
  }

  function settle() {
    let due = null;
    // Chromium's rtpTimestamp goes through microseconds and comes back up to 1 tick low
    // (2 frames in 3 at 30 fps); frames are 3000 ticks apart, so a few ticks of slack is safe.
    const shown = (shownRtp + RTP_SLACK) >>> 0;
    while (queue.length && shownRtp !== null && newer(shown, queue[0].rtp)) due = queue.shift();
    if (due) apply(due);
  }

  function onFrame(now, metadata) {
    if (typeof metadata.rtpTimestamp === 'number') {
      shownRtp = metadata.rtpTimestamp >>> 0;
      settle();
    }
    video.requestVideoFrameCallback(onFrame);
  }
  if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) {
    video.requestVideoFrameCallback(onFrame);
  }

  /** Map a point given as fractions of the video frame to the layer's pixels. */
  function place(x, y) {
    const frame = frameRect(video);
    const origin = layer.getBoundingClientRect();
    return [frame.left - origin.left + x * frame.width, frame.top - origin.top + y * frame.height];
  }

  function button(key, mark) {
    let element = buttons.get(key);
    if (!element) {
      element = document.createElement('button');
      element.type = 'button';
      element.className = 'hotspot';
      element.dataset.exhibit = mark.exhibit;
      element.dataset.hotspot = mark.hotspot;
      element.addEventListener('pointerdown', (event) => event.stopPropagation());
      element.addEventListener('click', () => onOpen(element.dataset.x, element.dataset.y));
      layer.append(element);
      buttons.set(key, element);
    }
    return element;
  }

  function render() {
    const seen = new Set();
    for (const mark of marks) {
      const key = `${mark.exhibit}/${mark.hotspot}`;
      const element = button(key, mark);
      seen.add(key);
      element.hidden = !mark.visible;
      if (!mark.visible) continue;
      const [px, py] = place(mark.x, mark.y);
      element.style.transform = `translate(${px}px, ${py}px) translate(-50%, -50%)`;
      element.dataset.x = mark.x;
      element.dataset.y = mark.y;
      const title = pickText(titles.get(key), labels.language, labels.fallback);
      element.setAttribute('aria-label', title);
      element.title = title;
    }
    for (const [key, element] of buttons) {
      if (!seen.has(key)) { element.remove(); buttons.delete(key); }
    }
  }

  return {
    configure(hello) {
      titles.clear();
      for (const h of hello.hotspots || []) titles.set(`${h.exhibit}/${h.hotspot}`, h.title);
    },
    update(message) {
      const synced = typeof message.rtp === 'number'
        && 'requestVideoFrameCallback' in HTMLVideoElement.prototype;
      if (!synced) { apply(message); return; }
      queue.push(message);
      if (queue.length > 90) queue = queue.slice(-90);
      settle();  // its frame may already be on screen
    },
    refresh: render,
    clear() { marks = []; queue = []; shownRtp = null; appliedRtp = null; render(); },
    /** For tests: the RTP timestamps of the frame on screen and of the marks drawn. */
    sync: () => ({ shown: shownRtp, applied: appliedRtp }),
  };
}
