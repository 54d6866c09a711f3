// A short message over the page that goes by itself (a refused command, a chat error).

/** Show `text` in `box` for four seconds (a newer message replaces it). */
export function toast(box, text) {
  box.textContent = text;
  box.hidden = false;
  clearTimeout(box.museionTimer);
  box.museionTimer = setTimeout(() => { box.hidden = true; }, 4000);
}
