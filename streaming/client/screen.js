// The shape the picture is shown in, told to the server so the stream takes it (a phone
// held upright gets a portrait stream): when the session greets, and when the window is
// resized or the phone turned (after the resizing stops), without reconnecting.

/** `area`: the element the video fills; `send`: the page's view-command sender. */
export function watchScreen({ area, send, delay = 300 }) {
  let timer = 0;
  let told = '';

  function tell(again) {
    const width = Math.round(area.clientWidth);
    const height = Math.round(area.clientHeight);
    if (!width || !height) return;
    const dpr = Math.min(8, Math.max(0.25, window.devicePixelRatio || 1));
    const shape = `${width}x${height}@${dpr}`;
    if (!again && shape === told) return;
    if (send({ type: 'screen', width, height, dpr })) told = shape;
  }

  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(() => tell(false), delay);
  };
  window.addEventListener('resize', later);
  window.addEventListener('orientationchange', later);
  return { tell: () => tell(true) };
}
