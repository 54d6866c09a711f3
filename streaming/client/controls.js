// Pointer (mouse, touch, pen), wheel and keyboard input turned into view commands.
//
// Movement is accumulated and sent at most once per animation frame (one orbit, one zoom
// and one pan message at most, or one walk message), so a fast drag never floods the
// datachannel.  Orbiting, a drag turns the relic; walking, it looks around (the mouse
// points where to look, a finger drags the world) and WASD / arrows walk, held down.

const DEG_PER_PX = 0.3;
const MIN_FLUSH_MS = 15;          // also caps the rate on 120 Hz+ displays
const TAP_MS = 250;               // a touch shorter than this that barely moves is a tap
const TAP_SLOP_PX = 10;
const DOUBLE_TAP_MS = 300;
const KEY_DEG = 5;
const KEY_PAN = 0.05;
const KEY_ZOOM = 1.1;
const WALK_SPEED = 1.4;           // metres per second; Shift runs at twice that
const TURN_SPEED = 90;            // degrees per second with the arrow keys
const LOOK_DEG_PER_PX = 0.25;
const WALK_KEYS = {
  KeyW: [1, 0, 0], ArrowUp: [1, 0, 0], KeyS: [-1, 0, 0], ArrowDown: [-1, 0, 0],
  KeyA: [0, -1, 0], KeyD: [0, 1, 0], ArrowLeft: [0, 0, -1], ArrowRight: [0, 0, 1],
  KeyQ: [0, 0, -1], KeyE: [0, 0, 1],
};

export function attachControls(surface, send, { onTap = null, mode = () => 'orbit', canWalk = () => false } = {}) {
  const pointers = new Map();     // pointerId → {x, y, pan, downAt, startX, startY}
  let pending = empty();
  let frame = 0;
  let lastFlush = 0;
  let pinch = null;
  let lastTap = null;             // {at, x, y}
  let touchResetAt = -Infinity;

  const held = new Map();         // KeyboardEvent.code → [forward, right, turn]
  let lastWalk = 0;

  function empty() { return { yaw: 0, pitch: 0, zoom: 1, dx: 0, dy: 0, turn: 0, look: 0, forward: 0, right: 0 }; }

  const flush = (now) => {
    frame = 0;
    if (now - lastFlush < MIN_FLUSH_MS) { schedule(); return; }
    lastFlush = now;
    const p = pending;
    pending = empty();
    if (held.size) walkFromKeys(p, now);
    if (mode() === 'walk' || p.forward || p.right) {
      if (p.forward || p.right || p.turn || p.look) {
        send({
          type: 'walk',
          forward: round(clamp(p.forward, -0.5, 0.5)),
          right: round(clamp(p.right, -0.5, 0.5)),
          turn: round(clamp(p.turn, -180, 180)),
          look: round(clamp(p.look, -180, 180)),
        });
      }
      if (held.size) schedule();
      return;
    }
    if (p.yaw || p.pitch) {
      send({ type: 'orbit', yaw: round(clamp(p.yaw, -180, 180)), pitch: round(clamp(p.pitch, -180, 180)) });
    }
    if (p.zoom !== 1) send({ type: 'zoom', factor: round(clamp(p.zoom, 0.5, 2)) });
    if (p.dx || p.dy) send({ type: 'pan', dx: round(clamp(p.dx, -1, 1)), dy: round(clamp(p.dy, -1, 1)) });
  };
  /** Add the held keys' walking and turning since the last frame to ``p``. */
  function walkFromKeys(p, now) {
    const dt = Math.min(0.1, lastWalk ? (now - lastWalk) / 1000 : 1 / 60);
    lastWalk = now;
    let forward = 0; let right = 0; let turn = 0;
    for (const [f, r, t] of held.values()) { forward += f; right += r; turn += t; }
    const speed = WALK_SPEED * (shiftHeld ? 2 : 1) * dt;
    const norm = Math.hypot(forward, right) || 1;
    p.forward += clamp(forward, -1, 1) * speed / Math.max(1, norm);
    p.right += clamp(right, -1, 1) * speed / Math.max(1, norm);
    p.turn += clamp(turn, -1, 1) * TURN_SPEED * dt;
  }
  let shiftHeld = false;

  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(flush);
  };
  const reset = () => {
    pending = empty();
    send({ type: 'reset' });
  };
  const height = () => Math.max(1, surface.clientHeight);

  surface.addEventListener('contextmenu', (e) => e.preventDefault());

  surface.addEventListener('pointerdown', (e) => {
    if (e.pointerType === 'mouse' && e.button > 2) return;
    if (pointers.size >= 2) return;  // a third finger is ignored
    try { surface.setPointerCapture(e.pointerId); } catch (err) { /* pointer already gone */ }
    pointers.set(e.pointerId, {
      x: e.clientX, y: e.clientY, startX: e.clientX, startY: e.clientY, downAt: e.timeStamp,
      pan: e.button === 1 || e.button === 2 || e.shiftKey,
    });
    surface.classList.add('dragging');
    pinch = pointers.size === 2 ? twoFinger(pointers) : null;
    if (pointers.size === 2) lastTap = null;
  });

  surface.addEventListener('pointermove', (e) => {
    const p = pointers.get(e.pointerId);
    if (!p) return;
    const dx = e.clientX - p.x;
    const dy = e.clientY - p.y;
    if (!dx && !dy) return;
    p.x = e.clientX;
    p.y = e.clientY;
    if (pointers.size === 1 && mode() === 'walk') {
      // A mouse points where to look; a finger drags the world (as on a phone's map).
      const sign = e.pointerType === 'touch' ? -1 : 1;
      pending.turn += sign * dx * LOOK_DEG_PER_PX;
      pending.look -= sign * dy * LOOK_DEG_PER_PX;
    } else if (pointers.size === 1) {
      if (p.pan || e.shiftKey) {
        // Grab the scene: dragging right moves the relic right (the target goes left).
        pending.dx -= dx / height();
        pending.dy += dy / height();
      } else {
        pending.yaw -= dx * DEG_PER_PX;
        pending.pitch += dy * DEG_PER_PX;
      }
    } else if (pinch) {
      const now = twoFinger(pointers);
      if (now.distance > 0 && pinch.distance > 0) pending.zoom *= pinch.distance / now.distance;
      pending.dx -= (now.cx - pinch.cx) / height();
      pending.dy += (now.cy - pinch.cy) / height();
      pinch = now;
    }
    schedule();
  });

  const release = (e) => {
    const p = pointers.get(e.pointerId);
    if (!p) return;
    pointers.delete(e.pointerId);
    pinch = pointers.size === 2 ? twoFinger(pointers) : null;
    if (!pointers.size) surface.classList.remove('dragging');
    if (e.type !== 'pointerup' || pointers.size) return;
    const still = Math.hypot(e.clientX - p.startX, e.clientY - p.startY) < TAP_SLOP_PX;
    const tap = still && e.timeStamp - p.downAt <= TAP_MS && !p.pan;
    if (tap && onTap) onTap(e.clientX, e.clientY);  // a click or tap, not a drag: pick
    if (e.pointerType !== 'touch') return;
    // Double-tap to reset: two short, still taps close together in time and place.
    if (!tap) { lastTap = null; return; }
    if (lastTap && e.timeStamp - lastTap.at < DOUBLE_TAP_MS
        && Math.hypot(e.clientX - lastTap.x, e.clientY - lastTap.y) < 4 * TAP_SLOP_PX) {
      lastTap = null;
      touchResetAt = e.timeStamp;
      reset();
    } else {
      lastTap = { at: e.timeStamp, x: e.clientX, y: e.clientY };
    }
  };
  surface.addEventListener('pointerup', release);
  surface.addEventListener('pointercancel', release);
  surface.addEventListener('lostpointercapture', release);

  surface.addEventListener('wheel', (e) => {
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? height() : 1;
    if (mode() === 'walk') {
      pending.forward -= clamp(e.deltaY * unit * 0.002, -0.5, 0.5);  // wheel up steps ahead
    } else {
      pending.zoom *= clamp(Math.exp(e.deltaY * unit * 0.001), 0.5, 2);
    }
    schedule();
  }, { passive: false });

  surface.addEventListener('dblclick', (e) => {
    e.preventDefault();
    // Some browsers also synthesise dblclick from a double tap already handled above.
    if (e.timeStamp - touchResetAt > 500) reset();
  });

  surface.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    shiftHeld = e.shiftKey;
    const walking = mode() === 'walk';
    if (WALK_KEYS[e.code] && canWalk() && (walking || e.code.startsWith('Key'))) {
      e.preventDefault();
      if (!held.size) lastWalk = 0;
      held.set(e.code, WALK_KEYS[e.code]);
      schedule();
      return;
    }
    const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (arrows[e.key]) {
      const [x, y] = arrows[e.key];
      if (e.shiftKey) {
        pending.dx -= x * KEY_PAN;
        pending.dy += y * KEY_PAN;
      } else {
        pending.yaw -= x * KEY_DEG;
        pending.pitch += y * KEY_DEG;
      }
    } else if (e.key === '+' || e.key === '=') {
      pending.zoom /= KEY_ZOOM;
    } else if (e.key === '-' || e.key === '_') {
      pending.zoom *= KEY_ZOOM;
    } else if (e.key === 'r' || e.key === 'R' || e.key === 'Home' || e.key === '0') {
      e.preventDefault();
      reset();
      return;
    } else {
      return;
    }
    e.preventDefault();
    schedule();
  });

  const stopWalking = () => { held.clear(); lastWalk = 0; };
  surface.addEventListener('keyup', (e) => {
    shiftHeld = e.shiftKey;
    held.delete(e.code);
  });
  surface.addEventListener('blur', stopWalking);
  window.addEventListener('blur', stopWalking);
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

function round(value) {
  return Math.round(value * 1e5) / 1e5;
}
