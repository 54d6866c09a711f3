// Pointer, wheel and touch input turned into view commands, coalesced to one per frame.

const DEG_PER_PX = 0.3;

export function attachControls(surface, send) {
  const pointers = new Map();
  let pending = { yaw: 0, pitch: 0, zoom: 1, dx: 0, dy: 0 };
  let scheduled = false;
  let pinch = null;
  let lastTap = 0;

  const flush = () => {
    scheduled = false;
    const p = pending;
    pending = { yaw: 0, pitch: 0, zoom: 1, dx: 0, dy: 0 };
    if (p.yaw || p.pitch) {
      send({ type: 'orbit', yaw: clamp(p.yaw, -180, 180), pitch: clamp(p.pitch, -180, 180) });
    }
    if (p.zoom !== 1) send({ type: 'zoom', factor: clamp(p.zoom, 0.5, 2) });
    if (p.dx || p.dy) send({ type: 'pan', dx: clamp(p.dx, -1, 1), dy: clamp(p.dy, -1, 1) });
  };
  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(flush);
    }
  };
  const height = () => Math.max(1, surface.clientHeight);

  surface.addEventListener('contextmenu', (e) => e.preventDefault());
  surface.addEventListener('pointerdown', (e) => {
    surface.setPointerCapture(e.pointerId);
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY, pan: e.button === 2 || e.shiftKey });
    surface.classList.add('dragging');
    if (pointers.size === 2) pinch = twoFinger(pointers);
    if (e.pointerType === 'touch') {
      const now = performance.now();
      if (now - lastTap < 300 && pointers.size === 1) send({ type: 'reset' });
      lastTap = now;
    }
  });
  surface.addEventListener('pointermove', (e) => {
    const p = pointers.get(e.pointerId);
    if (!p) return;
    const dx = e.clientX - p.x;
    const dy = e.clientY - p.y;
    p.x = e.clientX;
    p.y = e.clientY;
    if (pointers.size === 1) {
      if (p.pan) {
        pending.dx -= dx / height();
        pending.dy += dy / height();
      } else {
        pending.yaw -= dx * DEG_PER_PX;
        pending.pitch += dy * DEG_PER_PX;
      }
    } else if (pointers.size === 2 && pinch) {
      const now = twoFinger(pointers);
      if (now.distance > 0) pending.zoom *= pinch.distance / now.distance;
      pending.dx -= (now.cx - pinch.cx) / height();
      pending.dy += (now.cy - pinch.cy) / height();
      pinch = now;
    }
    schedule();
  });
  const release = (e) => {
    pointers.delete(e.pointerId);
    pinch = pointers.size === 2 ? twoFinger(pointers) : null;
    if (!pointers.size) surface.classList.remove('dragging');
  };
  surface.addEventListener('pointerup', release);
  surface.addEventListener('pointercancel', release);
  surface.addEventListener('wheel', (e) => {
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? height() : 1;
    pending.zoom *= clamp(Math.exp(e.deltaY * unit * 0.001), 0.5, 2);
    schedule();
  }, { passive: false });
  surface.addEventListener('dblclick', () => send({ type: 'reset' }));
}

function twoFinger(pointers) {
  const [a, b] = [...pointers.values()];
  return {
    distance: Math.hypot(a.x - b.x, a.y - b.y),
    cx: (a.x + b.x) / 2,
    cy: (a.y + b.y) / 2,
  };
}

function clamp(value, low, high) {
  return Math.min(high, Math.max(low, value));
}
