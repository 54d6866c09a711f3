// The floor plan: the draft seen from above on a metre grid.  The walkable polygon's
// corners, the lights, the spawn point and exhibits are chosen and dragged (or moved with
// the arrow keys, shift for 10x; Delete removes); the spawn's arrow is the visitor's eye
// and its tip turns it.  A double-click on the floor adds a corner (after the nearest one),
// on a corner removes it.  A walkable polygon whose edges cross is refused before it
// reaches the draft.  The view shows plan changes after a save and a new session.
import { w } from '/static/studio_words.js';

const HIT_PX = 9;
const MARGIN_M = 1.5;
const ARROW_PX = 24;
const STEP_M = 0.1;

const round = (v) => Math.round(v * 100) / 100;
const clone = (value) => JSON.parse(JSON.stringify(value));

/** Do two of the polygon's edges cross or touch (other than neighbours at their corner)? */
export function selfIntersects(points) {
  const n = points.length;
  const orient = (a, b, c) => Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
  const within = (a, b, c) => Math.min(a[0], b[0]) <= c[0] && c[0] <= Math.max(a[0], b[0])
    && Math.min(a[1], b[1]) <= c[1] && c[1] <= Math.max(a[1], b[1]);
  const cross = (a, b, c, d) => {
    const [o1, o2, o3, o4] = [orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)];
    if (o1 !== o2 && o3 !== o4 && o1 && o2 && o3 && o4) return true;
    return (!o1 && within(a, b, c)) || (!o2 && within(a, b, d)) || (!o3 && within(c, d, a)) || (!o4 && within(c, d, b));
  };
  for (let i = 0; i < n; i += 1) {
    for (let j = i + 1; j < n; j += 1) {
      if (j === i + 1 || (i === 0 && j === n - 1)) continue;  // neighbours share a corner
      if (cross(points[i], points[(i + 1) % n], points[j], points[(j + 1) % n])) return true;
    }
  }
  // Neighbouring edges folding back onto each other, or a corner twice in a row.
  return points.some((q, i) => {
    const p = points[(i + n - 1) % n];
    const r = points[(i + 1) % n];
    const back = (p[0] - q[0]) * (r[0] - q[0]) + (p[1] - q[1]) * (r[1] - q[1]);
    return (q[0] === r[0] && q[1] === r[1]) || (orient(p, q, r) === 0 && back > 0);
  });
}

/** Is floor point (x, z) inside the polygon?  The loader's own test (scenes/document/loader.py). */
export function inside([x, z], polygon) {
  let within = false;
  polygon.forEach(([x1, z1], i) => {
    const [x2, z2] = polygon[(i + 1) % polygon.length];
    if ((z1 > z) !== (z2 > z) && x < x1 + ((z - z1) * (x2 - x1)) / (z2 - z1)) within = !within;
  });
  return within;
}

/** The floor direction (x, z) the spawn's yaw faces: 0 is -Z, positive turns left. */
export function yawDirection(yaw) {
  const rad = (yaw * Math.PI) / 180;
  return [-Math.sin(rad), -Math.cos(rad)];
}

/** The plan's world box: every point it draws, with a margin, at least 4 m across. */
function extent(doc) {
  const xs = [];
  const zs = [];
  const add = (x, z) => { xs.push(x); zs.push(z); };
  (doc.walkable || []).forEach(([x, z]) => add(x, z));
  (doc.exhibits || []).forEach((e) => { const t = e.transform?.translation; if (t) add(t[0], t[2]); });
  (doc.lights || []).forEach((l) => { if (l.position) add(l.position[0], l.position[2]); });
  if (doc.spawn?.position) add(doc.spawn.position[0], doc.spawn.position[2]);
  (doc.stage_screens || []).forEach((c) => add(c.position[0], c.position[2]));
  if (!xs.length) add(0, 0);
  const lo = [Math.min(...xs) - MARGIN_M, Math.min(...zs) - MARGIN_M];
  const hi = [Math.max(...xs) + MARGIN_M, Math.max(...zs) + MARGIN_M];
  const size = Math.max(hi[0] - lo[0], hi[1] - lo[1], 4);
  return { x0: (lo[0] + hi[0]) / 2 - size / 2, z0: (lo[1] + hi[1]) / 2 - size / 2, size };
}

const same = (a, b) => Boolean(a && b && a.kind === b.kind && a.index === b.index && a.id === b.id);

/**
 * `selected()` is the page's chosen exhibit, `onSelect(id)` chooses one; `onItem(item)`
 * hears the plan's own choice ({kind, index} or null); `onRemoveExhibit(id)` is Delete on
 * an exhibit (the page checks its tours); `problem(text)` shows a refusal.
 */
export function createPlan({ canvas, history, selected, onSelect, onItem, onRemoveExhibit, problem }) {
  const ctx = canvas.getContext('2d');
  const s = { box: null, drag: null, item: null, refused: false };

  const toScreen = ([x, z]) => {
    const k = canvas.width / s.box.size;
    return [(x - s.box.x0) * k, (z - s.box.z0) * k];
  };
  const toWorld = (px, py) => {
    const k = canvas.width / s.box.size;
    return [round(px / k + s.box.x0), round(py / k + s.box.z0)];
  };

  /** Every choosable thing with its screen place (corners, lights, spawn, screens, exhibits). */
  function handles(doc) {
    const list = [];
    if (doc.spawn?.position) {
      const at = toScreen([doc.spawn.position[0], doc.spawn.position[2]]);
      const [dx, dz] = yawDirection(doc.spawn.yaw || 0);
      list.push({ kind: 'turn', at: [at[0] + dx * ARROW_PX, at[1] + dz * ARROW_PX], base: at });
      list.push({ kind: 'spawn', at });
    }
    (doc.walkable || []).forEach((p, i) => list.push({ kind: 'corner', index: i, at: toScreen(p) }));
    (doc.lights || []).forEach((l, i) => { if (l.position) list.push({ kind: 'light', index: i, at: toScreen([l.position[0], l.position[2]]) }); });
    (doc.stage_screens || []).forEach((c, i) => list.push({ kind: 'screen', index: i, at: toScreen([c.position[0], c.position[2]]) }));
    (doc.exhibits || []).forEach((e) => { const t = e.transform?.translation; if (t) list.push({ kind: 'exhibit', id: e.id, at: toScreen([t[0], t[2]]) }); });
    return list;
  }

  function arrow(from, to, colour) {
    const angle = Math.atan2(to[1] - from[1], to[0] - from[0]);
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath(); ctx.moveTo(...from); ctx.lineTo(...to); ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(...to);
    ctx.lineTo(to[0] - 8 * Math.cos(angle - 0.45), to[1] - 8 * Math.sin(angle - 0.45));
    ctx.lineTo(to[0] - 8 * Math.cos(angle + 0.45), to[1] - 8 * Math.sin(angle + 0.45));
    ctx.closePath(); ctx.fill();
  }

  function render(doc) {
    if (!doc) return;
    if (!s.drag) s.box = extent(doc);
    if (s.item && !exists(doc, s.item)) s.item = null;
    const k = canvas.width / s.box.size;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.strokeStyle = '#333a';
    ctx.lineWidth = 1;
    for (let m = Math.ceil(s.box.x0); m < s.box.x0 + s.box.size; m += 1) {  // one line a metre
      const x = (m - s.box.x0) * k;
      ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, canvas.height); ctx.stroke();
    }
    for (let m = Math.ceil(s.box.z0); m < s.box.z0 + s.box.size; m += 1) {
      const y = (m - s.box.z0) * k;
      ctx.beginPath(); ctx.moveTo(0, y); ctx.lineTo(canvas.width, y); ctx.stroke();
    }
    const walk = (doc.walkable || []).map(toScreen);
    if (walk.length) {
      ctx.fillStyle = '#3a7d4433';
      ctx.strokeStyle = '#5fbf6a';
      ctx.beginPath();
      walk.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      ctx.closePath(); ctx.fill(); ctx.stroke();
    }
    const colours = { corner: '#5fbf6a', light: '#ffd24a', spawn: '#4aa3ff', exhibit: '#e07a5f', screen: '#b07aff', turn: '#4aa3ff' };
    for (const h of handles(doc)) {
      const chosen = same(h, s.item) || (h.kind === 'exhibit' && h.id === selected());
      if (h.kind === 'turn') { arrow(h.base, h.at, colours.turn); continue; }
      ctx.fillStyle = colours[h.kind];
      if (h.kind === 'screen') ctx.fillRect(h.at[0] - 5, h.at[1] - 5, 10, 10);
      else {
        ctx.beginPath();
        ctx.arc(h.at[0], h.at[1], chosen ? 7 : 5, 0, Math.PI * 2);
        ctx.fill();
      }
      if (h.kind === 'light') {
        const light = doc.lights[h.index];
        ctx.fillStyle = colourOf(light);
        ctx.beginPath(); ctx.arc(h.at[0], h.at[1], 3, 0, Math.PI * 2); ctx.fill();
        if (light.type === 'directional' && light.direction) {
          const [dx, , dz] = light.direction;
          const flat = Math.hypot(dx, dz);
          if (flat > 1e-6) arrow(h.at, [h.at[0] + (dx / flat) * 18, h.at[1] + (dz / flat) * 18], '#ffd24a');
        }
      }
      if (chosen) {
        ctx.strokeStyle = '#fff';
        ctx.lineWidth = 2;
        ctx.strokeRect(h.at[0] - 9, h.at[1] - 9, 18, 18);
      }
      if (h.kind === 'exhibit') { ctx.fillStyle = '#ddd'; ctx.fillText(h.id, h.at[0] + 8, h.at[1] + 4); }
    }
    canvas.dataset.corners = String(walk.length);
    canvas.dataset.item = s.item ? `${s.item.kind}:${s.item.index ?? s.item.id ?? ''}` : '';
  }

  function exists(doc, item) {
    if (item.kind === 'corner') return item.index < (doc.walkable || []).length;
    if (item.kind === 'light') return item.index < (doc.lights || []).length;
    if (item.kind === 'screen') return item.index < (doc.stage_screens || []).length;
    if (item.kind === 'spawn') return Boolean(doc.spawn);
    if (item.kind === 'exhibit') return (doc.exhibits || []).some((e) => e.id === item.id);
    return false;
  }

  /** Choose a plan item (null: none); the page's form follows. */
  function choose(item) {
    s.item = item;
    if (item?.kind === 'exhibit') onSelect(item.id);
    onItem(item);
    if (history.doc) render(history.doc);
  }

  function point(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * (canvas.width / box.width), (event.clientY - box.top) * (canvas.height / box.height)];
  }

  function hit(doc, [px, py]) {
    return handles(doc).find((h) => Math.hypot(h.at[0] - px, h.at[1] - py) <= HIT_PX) || null;
  }

  /** Say why a plan change is refused ('' clears only the plan's own refusal). */
  function refuse(word) {
    if (word) { s.refused = true; problem(w(word)); return false; }
    if (s.refused) { s.refused = false; problem(''); }
    return true;
  }

  /** The server would refuse this walkable area and spawn: the reason's word, or ''. */
  function walkIssue(walk, spawn) {
    if (walk.length < 3) return '';
    if (selfIntersects(walk)) return 'walkCrosses';
    if (spawn && !inside([spawn[0], spawn[2]], walk)) return 'spawnOutside';
    return '';
  }

  /** Change the walkable polygon unless the draft would be refused: then say so, change nothing. */
  function changeWalkable(fn, key = null) {
    const next = clone(history.doc.walkable || []);
    fn(next);
    if (!refuse(walkIssue(next, history.doc.spawn?.position))) return false;
    history.change((doc) => { doc.walkable = next; }, key);
    return true;
  }

  /** Put item at floor point (x, z), keeping its height. */
  function moveTo(item, [x, z], key) {
    if (item.kind === 'corner') { changeWalkable((walk) => { walk[item.index] = [x, z]; }, key); return; }
    if (item.kind === 'spawn' && !refuse(walkIssue(history.doc.walkable || [], [x, 0, z]))) return;
    history.change((doc) => {
      const lift = (p) => [x, p ? p[1] : 0, z];
      if (item.kind === 'light') doc.lights[item.index].position = lift(doc.lights[item.index].position);
      else if (item.kind === 'spawn') doc.spawn.position = lift(doc.spawn.position);
      else if (item.kind === 'screen') doc.stage_screens[item.index].position = lift(doc.stage_screens[item.index].position);
      else if (item.kind === 'exhibit') {
        const e = doc.exhibits.find((x) => x.id === item.id);
        if (e) e.transform = { rotation: [0, 0, 0], scale: 1, ...e.transform, translation: lift(e.transform?.translation) };
      }
    }, key);
  }

  /** Turn the spawn to face floor point (x, z). */
  function turnTo([x, z], key) {
    history.change((doc) => {
      const [sx, , sz] = doc.spawn.position;
      if (Math.hypot(x - sx, z - sz) < 1e-3) return;
      doc.spawn.yaw = Math.round((Math.atan2(-(x - sx), -(z - sz)) * 180) / Math.PI);
    }, key);
  }

  function floorOf(doc, item) {
    if (item.kind === 'corner') return doc.walkable[item.index];
    if (item.kind === 'light') return doc.lights[item.index].position ? [doc.lights[item.index].position[0], doc.lights[item.index].position[2]] : null;
    if (item.kind === 'spawn') return [doc.spawn.position[0], doc.spawn.position[2]];
    if (item.kind === 'screen') return [doc.stage_screens[item.index].position[0], doc.stage_screens[item.index].position[2]];
    const t = (doc.exhibits.find((e) => e.id === item.id)?.transform?.translation) || [0, 0, 0];
    return [t[0], t[2]];
  }

  /** Delete: the chosen light, screen or corner (at least 3 stay), or the exhibit. */
  function removeItem(item) {
    const doc = history.doc;
    if (!doc || !item) return;
    if (item.kind === 'corner') {
      if ((doc.walkable || []).length <= 3) { problem(w('walkThree')); return; }
      if (!changeWalkable((walk) => { walk.splice(item.index, 1); })) return;
    } else if (item.kind === 'light') history.change((d) => { d.lights.splice(item.index, 1); if (!d.lights.length) delete d.lights; });
    else if (item.kind === 'screen') history.change((d) => { d.stage_screens.splice(item.index, 1); });
    else if (item.kind === 'exhibit') { onRemoveExhibit(item.id); if (exists(history.doc, item)) return; }
    else return;  // the spawn stays: it can only move and turn
    choose(null);
  }

  canvas.addEventListener('pointerdown', (event) => {
    const doc = history.doc;
    if (!doc) return;
    canvas.focus();
    const h = hit(doc, point(event));
    if (!h) return;
    if (h.kind !== 'turn') choose(h.kind === 'exhibit' ? { kind: 'exhibit', id: h.id } : { kind: h.kind, index: h.index });
    else choose({ kind: 'spawn' });
    if (h.kind === 'exhibit') return;  // exhibits move with the view's gizmo or the arrow keys
    canvas.setPointerCapture(event.pointerId);
    s.drag = { ...h, key: `plan:${h.kind}:${h.index ?? ''}:${Date.now()}` };
  });

  canvas.addEventListener('pointermove', (event) => {
    const d = s.drag;
    if (!d) return;
    const at = toWorld(...point(event));
    if (d.kind === 'turn') turnTo(at, d.key);
    else moveTo(d, at, d.key);  // one drag, one undo step
  });
  const stop = () => { s.drag = null; if (history.doc) render(history.doc); };
  canvas.addEventListener('pointerup', stop);
  canvas.addEventListener('pointercancel', stop);

  canvas.addEventListener('keydown', (event) => {
    const doc = history.doc;
    const item = s.item || (selected() ? { kind: 'exhibit', id: selected() } : null);
    if (!doc || !item || !exists(doc, item)) return;
    if (event.key === 'Delete' || event.key === 'Backspace') { event.preventDefault(); removeItem(item); return; }
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    const from = floorOf(doc, item);
    if (!from) return;
    const step = event.shiftKey ? STEP_M * 10 : STEP_M;
    moveTo(item, [round(from[0] + move[0] * step), round(from[1] + move[1] * step)], `plan-key:${item.kind}:${item.index ?? item.id ?? ''}`);
  });

  canvas.addEventListener('dblclick', (event) => {
    const doc = history.doc;
    if (!doc) return;
    const p = point(event);
    const h = hit(doc, p);
    if (h && h.kind === 'corner') { removeItem({ kind: 'corner', index: h.index }); return; }
    if (h) return;
    const at = toWorld(...p);
    changeWalkable((walk) => {
      const near = walk.map((c, i) => [Math.hypot(c[0] - at[0], c[1] - at[1]), i]).sort((a, b) => a[0] - b[0])[0];
      walk.splice(near ? near[1] + 1 : 0, 0, at);
    });
  });

  /** A point light 3 m up, 2 m ahead of the spawn point (then dragged into place), chosen. */
  function addLight() {
    const count = (history.doc?.lights || []).length;
    history.change((doc) => {
      const at = doc.spawn?.position || [0, 0, 0];
      const [dx, dz] = yawDirection(doc.spawn?.yaw || 0);
      doc.lights = doc.lights || [];
      doc.lights.push({ type: 'point', color: [1, 1, 1], intensity: 50, position: [round(at[0] + 2 * dx), 3, round(at[2] + 2 * dz)] });
    });
    choose({ kind: 'light', index: count });
  }

  /** Where on the page an item's handle is ({kind:'turn'}: the spawn arrow's tip). */
  function where(item) {
    const doc = history.doc;
    const h = doc && handles(doc).find((x) => x.kind === item.kind && (x.index ?? null) === (item.index ?? null) && (x.id ?? null) === (item.id ?? null));
    if (!h) return null;
    const box = canvas.getBoundingClientRect();
    return [box.left + (h.at[0] * box.width) / canvas.width, box.top + (h.at[1] * box.height) / canvas.height];
  }

  const moveCorner = (index, at) => moveTo({ kind: 'corner', index }, at, `plan-corner:${index}`);
  return { render, addLight, choose, moveCorner, where, remove: removeItem, get item() { return s.item; } };
}

/** A light's colour as CSS (its 0..1 RGB). */
function colourOf(light) {
  const [r, g, b] = (light.color || [1, 1, 1]).map((v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
  return `rgb(${r}, ${g}, ${b})`;
}
