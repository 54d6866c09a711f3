// The draft view: a WebRTC session on the saved draft (the visitor page's WHEP and
// controls), the studio's edit messages on its "view" channel, and the gizmo drawn over
// the video (SVG) that turns a drag into an exhibit's move on the floor or a turn.
import { attachControls } from '/static/controls.js';
import { frameRect } from '/static/hotspots.js';
import { csrfHeader } from '/static/studio_api.js';
import { negotiate } from '/static/whep.js';

const SVG = 'http://www.w3.org/2000/svg';
const YAW_DEG_PER_PX = 0.5;

const sub = (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const norm = (a) => { const l = Math.hypot(...a) || 1; return [a[0] / l, a[1] / l, a[2] / l]; };

/** The camera's axes from an `edit.posed` pose (fov vertical, degrees). */
function cameraAxes(pose, aspect) {
  const f = norm(sub(pose.target, pose.position));
  const r = norm(cross(f, [0, 1, 0]));
  const u = cross(r, f);
  const tan = Math.tan(((pose.fov || 60) * Math.PI) / 360);
  return { f, r, u, tan, aspect, p: pose.position };
}

/** A world point as fractions of the frame (0..1 from the top left), or null behind. */
export function project(pose, aspect, point) {
  const c = cameraAxes(pose, aspect);
  const d = sub(point, c.p);
  const z = dot(d, c.f);
  if (z <= 1e-3) return null;
  const x = dot(d, c.r) / (z * c.tan * c.aspect);
  const y = dot(d, c.u) / (z * c.tan);
  return [(1 + x) / 2, (1 - y) / 2];
}

/** Where the ray through frame point (fx, fy) meets the horizontal plane at `height`. */
export function onFloor(pose, aspect, fx, fy, height) {
  const c = cameraAxes(pose, aspect);
  const x = (fx * 2 - 1) * c.tan * c.aspect;
  const y = (1 - fy * 2) * c.tan;
  const dir = [c.f[0] + c.r[0] * x + c.u[0] * y, c.f[1] + c.r[1] * x + c.u[1] * y, c.f[2] + c.r[2] * x + c.u[2] * y];
  if (Math.abs(dir[1]) < 1e-6) return null;
  const t = (height - c.p[1]) / dir[1];
  if (t <= 0) return null;
  return [c.p[0] + dir[0] * t, height, c.p[2] + dir[2] * t];
}

/**
 * `stage` holds `video` and the `gizmo` svg; `exhibits()` lists the document's exhibits;
 * `selected()` the chosen id; `onMoved(id, transform)` takes a finished drag into the
 * document; `onTap(fx, fy)` a click on the picture; `onMessage(msg)` anything else.
 */
export function createView({ stage, video, gizmo, exhibits, selected, snap, onMoved, onTap, onMessage, onState }) {
  const s = { pc: null, channel: null, location: null, pose: null, width: 1280, height: 720, waiting: new Map(), lift: new Map(), next: 1, drag: null, posing: false, seq: 0 };

  function send(message) {
    if (!s.channel || s.channel.readyState !== 'open') return false;
    s.seq += 1;
    s.channel.send(JSON.stringify({ ...message, seq: s.seq }));
    return true;
  }

  /** Send a message the server answers with `reply` (matched by id or exhibit). */
  function ask(message, reply, key) {
    return new Promise((resolve, reject) => {
      const id = s.next++;
      const token = key ?? id;
      s.waiting.set(`${reply}:${token}`, { resolve, reject });
      if (!send(key === undefined ? { ...message, id } : message)) {
        s.waiting.delete(`${reply}:${token}`);
        reject(new Error('NO_VIEW'));
      }
    });
  }

  function answer(message) {
    const token = message.id ?? message.exhibit;
    const key = `${message.type}:${token}`;
    const waiter = s.waiting.get(key);
    if (!waiter) return false;
    s.waiting.delete(key);
    waiter.resolve(message);
    return true;
  }

  function onChannel(event) {
    let message;
    try { message = JSON.parse(event.data); } catch (err) { return; }
    if (!message || typeof message !== 'object') return;
    if (message.type === 'hello') {
      if (message.width && message.height) { s.width = message.width; s.height = message.height; }
      refreshPose();
    }
    if (message.type === 'edit.posed') { s.pose = message.pose; draw(); }
    if (message.type === 'error') {  // a refused edit fails whoever waits for its answer
      for (const [key, waiter] of s.waiting) {
        if (!key.startsWith('edit.posed')) { s.waiting.delete(key); waiter.reject(Object.assign(new Error(message.message), message)); }
      }
    }
    if (!answer(message)) onMessage(message);
  }

  /** Ask the camera where it is now (one question at a time): the gizmo needs it. */
  async function refreshPose() {
    if (s.posing) return;
    s.posing = true;
    try { await ask({ type: 'edit.pose' }, 'edit.posed'); } catch (err) { /* no view */ }
    s.posing = false;
  }

  /** Open the draft view of exhibition `id` (a new session replaces the old one). */
  async function open(id) {
    await close();
    const pc = new RTCPeerConnection({ iceServers: [] });
    s.pc = pc;
    pc.addTransceiver('video', { direction: 'recvonly' });
    const channel = pc.createDataChannel('view', { ordered: true });
    s.channel = channel;
    channel.addEventListener('message', onChannel);
    channel.addEventListener('open', () => onState('open'));
    channel.addEventListener('close', () => { if (s.channel === channel) onState('closed'); });
    pc.addEventListener('track', (event) => {
      video.srcObject = event.streams[0] || new MediaStream([event.track]);
      video.play().catch(() => {});
    });
    onState('connecting');
    // Kept while it runs: a close meanwhile waits for it, then DELETEs with the CSRF header
    // (closing the pc under it would make whep.js DELETE without one, which is refused).
    const pending = negotiate(pc, { endpoint: `/studio/e/${encodeURIComponent(id)}/whep`, headers: csrfHeader() });
    s.pending = pending;
    let location;
    try {
      ({ location } = await pending);
    } catch (err) {
      if (s.pc !== pc) return;  // another exhibition was opened meanwhile: not a problem
      throw err;
    } finally {
      if (s.pending === pending) s.pending = null;
    }
    if (s.pc !== pc) return;  // closed meanwhile: close() ended it
    s.location = location;
  }

  /** DELETE the session (the studio's routes want the CSRF header; whep.js sends none). */
  function endSession(location, keepalive = false) {
    if (!location) return Promise.resolve();
    const options = { method: 'DELETE', headers: csrfHeader(), keepalive };
    if (!keepalive) options.signal = AbortSignal.timeout(2000);
    return fetch(location, options).then(() => undefined, () => undefined);
  }

  async function close({ keepalive = false } = {}) {
    const { pc, location, pending } = s;
    s.pc = s.channel = s.location = s.pending = null;
    s.pose = null;
    for (const waiter of s.waiting.values()) waiter.reject(new Error('NO_VIEW'));
    s.waiting.clear();
    if (pending) {
      try { await endSession((await pending).location, keepalive); } catch (err) { /* it was refused */ }
    } else {
      await endSession(location, keepalive);
    }
    if (pc) pc.close();
    video.srcObject = null;
  }

  // --- the gizmo -----------------------------------------------------------------------
  const aspect = () => s.width / s.height;

  /** The frame's place on the page and a client point as fractions of it. */
  function fraction(clientX, clientY) {
    const frame = frameRect(video);
    return [(clientX - frame.left) / frame.width, (clientY - frame.top) / frame.height, frame];
  }

  function circle(cx, cy, r, role) {
    const c = document.createElementNS(SVG, 'circle');
    c.setAttribute('cx', cx); c.setAttribute('cy', cy); c.setAttribute('r', r);
    c.dataset.role = role;
    return c;
  }

  /**
   * Where an exhibit's origin is in the world: its translation, raised by what a pick
   * taught us (a pedestal's top or an anchor's height, which the document does not say).
   */
  function world(id, translation) {
    return [translation[0], translation[1] + (s.lift.get(id) || 0), translation[2]];
  }

  /** Learn an exhibit's height offset from a pick on it (yaw only turns about y). */
  function learn(hit, transform) {
    if (!hit.exhibit || !hit.world || !hit.local || !transform) return;
    const scale = transform.scale ?? 1;
    s.lift.set(hit.exhibit, hit.world[1] - scale * hit.local[1] - (transform.translation || [0, 0, 0])[1]);
    draw();
  }

  /** Redraw the handles of the selected exhibit where the camera now sees it. */
  function draw() {
    const id = selected();
    const exhibit = exhibits().find((e) => e.id === id);
    gizmo.replaceChildren();
    if (!exhibit || !s.pose) { gizmo.dataset.exhibit = ''; return; }
    const t = (s.drag && s.drag.transform) || exhibit.transform || {};
    const at = project(s.pose, aspect(), world(exhibit.id, t.translation || [0, 0, 0]));
    if (!at) return;
    const frame = frameRect(video);
    const box = stage.getBoundingClientRect();
    const x = frame.left - box.left + at[0] * frame.width;
    const y = frame.top - box.top + at[1] * frame.height;
    const move = circle(x, y, 14, 'move');
    const turn = circle(x + 48, y, 9, 'turn');
    const line = document.createElementNS(SVG, 'line');
    line.setAttribute('x1', x); line.setAttribute('y1', y); line.setAttribute('x2', x + 48); line.setAttribute('y2', y);
    const title = document.createElementNS(SVG, 'title');
    title.textContent = exhibit.id;
    move.append(title);
    gizmo.append(line, move, turn);
    gizmo.dataset.exhibit = exhibit.id;
    gizmo.dataset.x = String(x);
    gizmo.dataset.y = String(y);
  }

  gizmo.addEventListener('pointerdown', (event) => {
    const role = event.target.dataset && event.target.dataset.role;
    const exhibit = exhibits().find((e) => e.id === selected());
    if (!role || !exhibit || !s.pose) return;
    event.stopPropagation();  // a handle's drag is not an orbit
    event.preventDefault();
    gizmo.setPointerCapture(event.pointerId);
    const transform = JSON.parse(JSON.stringify(exhibit.transform || { translation: [0, 0, 0], rotation: [0, 0, 0], scale: 1 }));
    transform.translation = transform.translation || [0, 0, 0];
    transform.rotation = transform.rotation || [0, 0, 0];
    const [fx, fy] = fraction(event.clientX, event.clientY);
    const start = onFloor(s.pose, aspect(), fx, fy, world(exhibit.id, transform.translation)[1]);
    s.drag = { role, id: exhibit.id, start, clientX: event.clientX, from: JSON.parse(JSON.stringify(transform)), transform, frame: 0 };
  });

  gizmo.addEventListener('pointermove', (event) => {
    const d = s.drag;
    if (!d) return;
    if (d.role === 'move' && d.start) {
      const [fx, fy] = fraction(event.clientX, event.clientY);
      const hit = onFloor(s.pose, aspect(), fx, fy, world(d.id, d.from.translation)[1]);
      if (!hit) return;
      d.transform.translation = [round(d.from.translation[0] + hit[0] - d.start[0]), d.from.translation[1], round(d.from.translation[2] + hit[2] - d.start[2])];
    } else if (d.role === 'turn') {
      const yaw = d.from.rotation[0] + (event.clientX - d.clientX) * YAW_DEG_PER_PX;
      d.transform.rotation = [round(((yaw % 360) + 540) % 360 - 180), d.from.rotation[1], d.from.rotation[2]];
    }
    // One edit.move per animation frame: the server shows it on its next frame.
    if (!d.frame) d.frame = requestAnimationFrame(() => { d.frame = 0; send({ type: 'edit.move', exhibit: d.id, transform: d.transform }); draw(); });
  });

  async function endDrag() {
    const d = s.drag;
    if (!d) return;
    s.drag = null;
    if (d.frame) cancelAnimationFrame(d.frame);
    send({ type: 'edit.move', exhibit: d.id, transform: d.transform });
    let transform = d.transform;
    if (snap() && d.role === 'move') {
      try { transform = (await ask({ type: 'edit.snap', exhibit: d.id }, 'edit.snapped', d.id)).transform; } catch (err) { /* keep the drag's */ }
    }
    onMoved(d.id, transform);
    draw();
  }
  gizmo.addEventListener('pointerup', endDrag);
  gizmo.addEventListener('pointercancel', endDrag);

  // The visitor's controls fly the camera; after each move the gizmo asks where it is.
  const sendView = (command) => { const sent = send(command); requestAnimationFrame(refreshPose); return sent; };
  attachControls(stage, sendView, {
    onTap: (clientX, clientY) => {
      const [fx, fy] = fraction(clientX, clientY);
      if (fx >= 0 && fx <= 1 && fy >= 0 && fy <= 1) onTap(round(fx), round(fy));
    },
  });
  window.addEventListener('resize', draw);

  return {
    open, close, send, draw, refreshPose, learn,
    pick: (fx, fy) => ask({ type: 'edit.pick', x: fx, y: fy }, 'edit.picked'),
    pose: async () => (await ask({ type: 'edit.pose' }, 'edit.posed')).pose,
    snapNow: (id) => ask({ type: 'edit.snap', exhibit: id }, 'edit.snapped', id),
    sync: (document) => send({ type: 'edit.sync', document }),
    move: (id, transform) => send({ type: 'edit.move', exhibit: id, transform }),
    get pose_() { return s.pose; },
    /** The picture's place on the page (the video letterboxed): tests click inside it. */
    frame: () => frameRect(video),
    get open_() { return Boolean(s.channel && s.channel.readyState === 'open'); },
    get size() { return [s.width, s.height]; },
  };
}

const round = (v) => Math.round(v * 1e4) / 1e4;
