// Hotspot markers: HTML buttons over the video, placed where the server says each hotspot
// is in the current frame, so they stay crisp, clickable and readable by screen readers.
import { pickText } from '/static/label.js';

export function createHotspots({ layer, video, labels, onOpen }) {
  const titles = new Map();   // "exhibit/hotspot" -> language map
  const buttons = new Map();  // "exhibit/hotspot" -> button
  let marks = [];

  /** Map a point given as fractions of the video frame to the layer's pixels. */
  function place(x, y) {
    const box = video.getBoundingClientRect();
    const origin = layer.getBoundingClientRect();
    const vw = video.videoWidth || 16;
    const vh = video.videoHeight || 9;
    const scale = Math.min(box.width / vw, box.height / vh);
    const left = box.left - origin.left + (box.width - vw * scale) / 2;
    const top = box.top - origin.top + (box.height - vh * scale) / 2;
    return [left + x * vw * scale, top + y * vh * scale];
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
      marks = Array.isArray(message.marks) ? message.marks : [];
      render();
    },
    refresh: render,
    clear() { marks = []; render(); },
  };
}
