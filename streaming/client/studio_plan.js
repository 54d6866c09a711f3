// The floor plan: the draft seen from above on a metre grid.  The walkable polygon's
// corners, the point lights and the spawn point are dragged; a double-click on the floor
// adds a corner (after the nearest one), a double-click on a corner removes it.  Exhibits
// are dots, stage screens squares.  Changes go to the draft; the view shows them after a
// save and a new session.

const HIT_PX = 9;
const MARGIN_M = 1.5;

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

export function createPlan({ canvas, history, selected, onSelect }) {
  const ctx = canvas.getContext('2d');
  const s = { box: null, drag: null };

  const toScreen = ([x, z]) => {
    const k = canvas.width / s.box.size;
    return [(x - s.box.x0) * k, (z - s.box.z0) * k];
  };
  const toWorld = (px, py) => {
    const k = canvas.width / s.box.size;
    return [round(px / k + s.box.x0), round(py / k + s.box.z0)];
  };

  /** Every draggable thing with its screen place (corners, lights, spawn, exhibits). */
  function handles(doc) {
    const list = [];
    (doc.walkable || []).forEach((p, i) => list.push({ kind: 'corner', index: i, at: toScreen(p) }));
    (doc.lights || []).forEach((l, i) => { if (l.position) list.push({ kind: 'light', index: i, at: toScreen([l.position[0], l.position[2]]) }); });
    if (doc.spawn?.position) list.push({ kind: 'spawn', at: toScreen([doc.spawn.position[0], doc.spawn.position[2]]) });
    (doc.stage_screens || []).forEach((c, i) => list.push({ kind: 'screen', index: i, at: toScreen([c.position[0], c.position[2]]) }));
    (doc.exhibits || []).forEach((e) => { const t = e.transform?.translation; if (t) list.push({ kind: 'exhibit', id: e.id, at: toScreen([t[0], t[2]]) }); });
    return list;
  }

  function render(doc) {
    if (!doc) return;
    if (!s.drag) s.box = extent(doc);
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
    const colours = { corner: '#5fbf6a', light: '#ffd24a', spawn: '#4aa3ff', exhibit: '#e07a5f', screen: '#b07aff' };
    for (const h of handles(doc)) {
      ctx.fillStyle = colours[h.kind];
      if (h.kind === 'screen') { ctx.fillRect(h.at[0] - 5, h.at[1] - 5, 10, 10); continue; }
      ctx.beginPath();
      ctx.arc(h.at[0], h.at[1], h.kind === 'exhibit' && h.id === selected() ? 7 : 5, 0, Math.PI * 2);
      ctx.fill();
      if (h.kind === 'exhibit') { ctx.fillStyle = '#ddd'; ctx.fillText(h.id, h.at[0] + 8, h.at[1] + 4); }
    }
    canvas.dataset.corners = String(walk.length);
  }

  function point(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * (canvas.width / box.width), (event.clientY - box.top) * (canvas.height / box.height)];
  }

  function hit(doc, [px, py]) {
    return handles(doc).find((h) => Math.hypot(h.at[0] - px, h.at[1] - py) <= HIT_PX) || null;
  }

  canvas.addEventListener('pointerdown', (event) => {
    const doc = history.doc;
    if (!doc) return;
    const h = hit(doc, point(event));
    if (!h) return;
    if (h.kind === 'exhibit') { onSelect(h.id); return; }
    canvas.setPointerCapture(event.pointerId);
    s.drag = { ...h, key: `plan:${h.kind}:${h.index ?? ''}:${Date.now()}` };
  });

  canvas.addEventListener('pointermove', (event) => {
    const d = s.drag;
    if (!d) return;
    const [x, z] = toWorld(...point(event));
    history.change((doc) => {
      if (d.kind === 'corner') doc.walkable[d.index] = [x, z];
      else if (d.kind === 'light') doc.lights[d.index].position = [x, doc.lights[d.index].position[1], z];
      else if (d.kind === 'spawn') doc.spawn.position = [x, doc.spawn.position[1], z];
      else if (d.kind === 'screen') doc.stage_screens[d.index].position = [x, doc.stage_screens[d.index].position[1], z];
    }, d.key);  // one drag, one undo step
  });
  const stop = () => { s.drag = null; if (history.doc) render(history.doc); };
  canvas.addEventListener('pointerup', stop);
  canvas.addEventListener('pointercancel', stop);

  canvas.addEventListener('dblclick', (event) => {
    const doc = history.doc;
    if (!doc) return;
    const p = point(event);
    const h = hit(doc, p);
    if (h && h.kind === 'corner') {
      if ((doc.walkable || []).length > 3) history.change((d) => { d.walkable.splice(h.index, 1); });
      return;
    }
    if (h) return;
    const at = toWorld(...p);
    history.change((d) => {
      d.walkable = d.walkable || [];
      const near = d.walkable.map((c, i) => [Math.hypot(c[0] - at[0], c[1] - at[1]), i]).sort((a, b) => a[0] - b[0])[0];
      d.walkable.splice(near ? near[1] + 1 : 0, 0, at);
    });
  });

  /** A point light 3 m up where the spawn point is (then dragged into place). */
  function addLight() {
    history.change((doc) => {
      const at = doc.spawn?.position || [0, 0, 0];
      doc.lights = doc.lights || [];
      doc.lights.push({ type: 'point', color: [1, 1, 1], intensity: 50, position: [at[0], 3, at[2]] });
    });
  }

  return { render, addLight };
}

const round = (v) => Math.round(v * 100) / 100;
