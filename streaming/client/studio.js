// The studio page: sign in, choose or create an exhibition, then edit its draft (view and
// gizmo, labels, plan, tours, uploads) with undo/redo and autosave; publish and versions.
import { ApiError, api, setCsrf } from '/static/studio_api.js';
import { createForms, createTourTitles } from '/static/studio_forms.js';
import { createHistory } from '/static/studio_history.js';
import { createPlan } from '/static/studio_plan.js';
import { createPlanForm } from '/static/studio_plan_form.js';
import { createScreens } from '/static/studio_screens.js';
import { createTours } from '/static/studio_tour.js';
import { createUpload } from '/static/studio_upload.js';
import { createVersions } from '/static/studio_versions.js';
import { createView } from '/static/studio_view.js';
import { setUiLanguage, uiLanguage, w } from '/static/studio_words.js';

const $ = (id) => document.getElementById(id);
const EDITORS = ['curator', 'publisher'];
const ROTATION = ['yaw', 'pitch', 'roll'];  // the document's order, in degrees

// Test and debugging hook: the page's parts, kept current.
const studio = { session: null, selected: null, hotspotMode: false, lastTarget: null, messages: [] };
window.studio = studio;

const canEdit = () => Boolean(studio.session && EDITORS.includes(studio.session.role));

/** A refusal or a problem, in words, where the curator looks (and for screen readers). */
function problem(text) {
  const box = $('problem');
  box.textContent = text;
  box.hidden = !text;
}

function notice(text) {
  const box = $('notice');
  box.textContent = text;
  box.hidden = !text;
}

// --- sign in ---------------------------------------------------------------------------
function signedIn(session) {
  studio.session = session;
  setCsrf(session.csrf);
  $('login').hidden = true;
  $('workspace').hidden = false;
  $('who').textContent = `${session.name} (${session.role})`;
  document.body.dataset.role = session.role;
  for (const el of document.querySelectorAll('[data-needs="edit"]')) el.disabled = !canEdit();
  $('publish').disabled = session.role !== 'publisher';
  $('publish').hidden = session.role !== 'publisher';
  listExhibitions();
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  problem('');
  try {
    signedIn((await api.login($('login-name').value, $('login-password').value)).body);
  } catch (err) {
    $('login-problem').textContent = err.message;
    $('login-problem').hidden = false;
  }
});

$('logout').addEventListener('click', async () => {
  await history.save();
  await view.close();
  try { await api.logout(); } catch (err) { /* the cookie goes anyway on reload */ }
  window.location.reload();
});

// --- exhibitions -----------------------------------------------------------------------
async function listExhibitions() {
  try {
    const list = (await api.exhibitions()).body.exhibitions || [];
    $('exhibition-list').replaceChildren(...list.map((e) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'button';
      b.dataset.exhibition = e.id;
      b.textContent = e.id + (e.editable ? '' : ` (${w('readOnly')})`);
      b.disabled = !e.editable;
      b.addEventListener('click', () => openExhibition(e.id));
      li.append(b);
      return li;
    }));
  } catch (err) { problem(err.message); }
}

$('create-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const id = $('new-exhibition-id').value.trim();
  const title = $('new-exhibition-title').value.trim() || id;
  try {
    await api.create(id, title, uiLanguage());
    await listExhibitions();
    await openExhibition(id);
  } catch (err) { problem(err instanceof ApiError ? err.describe() : err.message); }
});

async function openExhibition(id) {
  problem('');
  await history.save();
  studio.selected = null;
  try { await history.open(id); } catch (err) { problem(err.message); return; }
  document.body.dataset.exhibition = id;
  staleView(false);
  $('editor').hidden = false;
  $('editor-title').textContent = id;
  versions.refresh();
  startView();
}

async function startView() {
  try { await view.open(history.id); } catch (err) { problem(err.message); }
}

// --- the document's parts, re-rendered after every change ------------------------------
function renderExhibits(doc) {
  $('exhibit-list').replaceChildren(...(doc.exhibits || []).map((e) => {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'button';
    b.dataset.exhibit = e.id;
    b.setAttribute('aria-pressed', String(e.id === studio.selected));
    b.textContent = e.id;
    b.addEventListener('click', () => select(e.id));
    li.append(b);
    return li;
  }));
  const exhibit = (doc.exhibits || []).find((e) => e.id === studio.selected);
  $('exhibit-scale').disabled = !exhibit || !canEdit();
  $('exhibit-pedestal').disabled = !exhibit || !canEdit();
  $('exhibit-remove').disabled = !exhibit || !canEdit();
  if (exhibit && document.activeElement !== $('exhibit-scale')) $('exhibit-scale').value = String(exhibit.transform?.scale ?? 1);
  ROTATION.forEach((name, i) => {
    const input = $(`exhibit-${name}`);
    input.disabled = !exhibit || !canEdit();
    if (exhibit && document.activeElement !== input) input.value = String(exhibit.transform?.rotation?.[i] ?? 0);
  });
  if (exhibit) $('exhibit-pedestal').checked = Boolean(exhibit.pedestal);
}

function select(id) {
  studio.selected = id;
  render(history.doc, { remote: true });  // a choice, not a change: nothing to sync
}

let syncFrame = 0;
/** Every panel from the document; the draft view hears of it once a frame. */
function render(doc, { remote = false } = {}) {
  if (!doc) return;
  renderExhibits(doc);
  forms.render(doc);
  plan.render(doc);
  planForm.render(doc);
  tourTitles.render(doc);
  tours.render(doc);
  screens.render(doc);
  view.draw();
  $('undo').disabled = !history.canUndo;
  $('redo').disabled = !history.canRedo;
  if (!remote && !syncFrame) {
    syncFrame = requestAnimationFrame(() => { syncFrame = 0; view.sync(history.doc); });
  }
}

const history = createHistory({
  stateBox: $('save-state'),
  conflictBox: $('conflict'),
  onChange: (doc, options) => render(doc, options),
  onError: problem,
});
studio.history = history;

const view = createView({
  stage: $('stage'),
  video: $('video'),
  gizmo: $('gizmo'),
  exhibits: () => (history.doc ? history.doc.exhibits || [] : []),
  selected: () => studio.selected,
  snap: () => $('snap').checked,
  onMoved: (id, transform) => history.change((doc) => { const e = doc.exhibits.find((x) => x.id === id); if (e) e.transform = transform; }),
  onTap: tapped,
  onMessage: (message) => {
    studio.messages.push(message);
    if (message.type === 'edit.posed') studio.lastTarget = message.pose.target;
    if (message.type === 'edit.synced' && message.live === false) staleView(true);  // until a new session
    if (message.type === 'error' && message.message) problem(message.message);
  },
  onState: (state) => { $('view-state').textContent = state; $('view-state').dataset.state = state; },
});
studio.view = view;

/** A click on the picture: a hotspot where the relic was hit, or choose what was hit. */
async function tapped(fx, fy) {
  let hit;
  try { hit = await view.pick(fx, fy); } catch (err) { problem(err.message === 'NO_VIEW' ? w('noView') : err.message); return; }
  if (!hit.exhibit) { if (studio.hotspotMode) problem(w('pickNothing')); return; }
  view.learn(hit, (history.doc.exhibits || []).find((e) => e.id === hit.exhibit)?.transform);
  if (!studio.hotspotMode) { select(hit.exhibit); return; }
  studio.selected = hit.exhibit;
  history.change((doc) => {
    const exhibit = doc.exhibits.find((e) => e.id === hit.exhibit);
    if (!exhibit) return;
    exhibit.hotspots = exhibit.hotspots || [];
    const taken = new Set(exhibit.hotspots.map((h) => h.id));
    let n = exhibit.hotspots.length + 1;
    while (taken.has(`spot-${n}`)) n += 1;
    exhibit.hotspots.push({ id: `spot-${n}`, position: hit.local.map((v) => Math.round(v * 1e4) / 1e4), title: { [doc.default_language]: `spot-${n}` } });
  });
}

// What each of the draft's models offers (animations, cameras), asked once per model:
// the exhibit form and the tour steps both choose from it.
const factsAsked = new Map();
function modelFacts(asset) {
  const key = `${history.id}/${asset}`;
  if (!factsAsked.has(key)) {
    const asking = api.model(history.id, asset).then((reply) => reply.body);
    asking.catch(() => factsAsked.delete(key));  // a later look asks again
    factsAsked.set(key, asking);
  }
  return factsAsked.get(key);
}

const forms = createForms({
  box: $('metadata'), preview: $('label-preview'), previewMenu: $('preview-languages'),
  previewHeading: $('preview-heading'), history, selected: () => studio.selected, problem,
  modelFacts,
});
const plan = createPlan({
  canvas: $('plan'), history, selected: () => studio.selected, onSelect: select, problem,
  onItem: () => { if (history.doc) planForm.render(history.doc); },
  onRemoveExhibit: (id) => removeExhibit(id),
});
studio.plan = plan;
const planForm = createPlanForm({ list: $('light-list'), box: $('plan-item'), history, plan });
const screens = createScreens({ box: $('screens'), history, problem, languages: () => forms.languages });
const tourTitles = createTourTitles({ box: $('tour-titles'), history, languages: () => forms.languages });
const tours = createTours({
  box: $('tour-steps'), picker: $('tour-list'), title: $('tour-title'), history, view, languages: () => forms.languages, problem, modelFacts,
});
const versions = createVersions({
  list: $('versions'), diffBox: $('diff'), fromSelect: $('diff-from'), toSelect: $('diff-to'),
  auditList: $('audit'), exportLink: $('audit-export'), publishButton: $('publish'), history,
  role: () => studio.session?.role, problem, notice,
  onRestored: () => history.open(history.id),
});
studio.versions = versions;

const AHEAD_M = 4;
const FAR_M = 12;

/**
 * Where the camera looks, on the floor: the view's centre ray meets y = 0 (no farther than
 * FAR_M), or, looking level, AHEAD_M in front: there the new exhibit is in sight.
 */
function floorAhead(pose) {
  if (!pose) return [0, 0, 0];
  const [px, py, pz] = pose.position;
  const d = [pose.target[0] - px, pose.target[1] - py, pose.target[2] - pz];
  const flat = Math.hypot(d[0], d[2]) || 1;
  let reach = AHEAD_M;
  if (d[1] < -1e-3) reach = Math.min(FAR_M, (py / -d[1]) * flat);
  return [px + (d[0] / flat) * reach, 0, pz + (d[2] / flat) * reach].map((v) => Math.round(v * 1e3) / 1e3);
}

/** The uploaded model becomes an exhibit standing on the floor where the camera looks. */
function place(result) {
  history.change((doc) => {
    const taken = new Set((doc.exhibits || []).map((e) => e.id));
    let id = result.suggested_id || 'exhibit';
    for (let n = 2; taken.has(id); n += 1) id = `${result.suggested_id || 'exhibit'}-${n}`;
    const target = floorAhead(view.pose_);
    // bounds come as {min, max} (the contract's first sketch said [[min], [max]]).
    const b = result.bounds || {};
    const minY = Array.isArray(b) ? b[0][1] : (b.min ? b.min[1] : 0);
    doc.exhibits = doc.exhibits || [];
    doc.exhibits.push({
      id, asset: result.asset, metadata: { title: { [doc.default_language]: result.title || id } },
      transform: { translation: [target[0], Math.round(-minY * 1e4) / 1e4, target[2]], rotation: [0, 0, 0], scale: 1 }, pedestal: false,
    });
    studio.selected = id;
  });
}
createUpload({
  input: $('upload-input'), bar: $('upload-progress'), status: $('upload-status'), report: $('upload-report'),
  exhibition: () => history.id, onDone: place, problem,
});

// --- buttons and keys ------------------------------------------------------------------
$('undo').addEventListener('click', () => history.undo());
$('redo').addEventListener('click', () => history.redo());
$('reload-theirs').addEventListener('click', () => history.reloadTheirs());
$('overwrite-mine').addEventListener('click', () => history.overwriteMine());
/** The draft view shows an older plan (lights, spawn, walkable, screens) than the draft. */
function staleView(stale) {
  $('refresh-view').hidden = !stale;
  $('view-hint').hidden = !stale;
}
$('refresh-view').addEventListener('click', async () => { await history.save(); staleView(false); startView(); });
$('hotspot-mode').addEventListener('click', () => {
  studio.hotspotMode = !studio.hotspotMode;
  $('hotspot-mode').setAttribute('aria-pressed', String(studio.hotspotMode));
  document.body.classList.toggle('picking', studio.hotspotMode);
});
$('exhibit-scale').addEventListener('change', () => {
  const scale = Number($('exhibit-scale').value);
  if (!(scale > 0 && scale <= 1000) || !studio.selected) return;
  const id = studio.selected;
  history.change((doc) => { const e = doc.exhibits.find((x) => x.id === id); e.transform = { translation: [0, 0, 0], rotation: [0, 0, 0], ...e.transform, scale }; });
});
$('exhibit-remove').addEventListener('click', () => removeExhibit(studio.selected));
ROTATION.forEach((name, i) => $(`exhibit-${name}`).addEventListener('input', () => {
  const id = studio.selected;
  const value = Number($(`exhibit-${name}`).value);
  if (!id || $(`exhibit-${name}`).value === '' || !Number.isFinite(value) || Math.abs(value) > 360) return;
  history.change((doc) => {
    const e = doc.exhibits.find((x) => x.id === id);
    if (!e) return;
    const rotation = [...(e.transform?.rotation || [0, 0, 0])];
    rotation[i] = value;
    e.transform = { translation: [0, 0, 0], scale: 1, ...e.transform, rotation };
  }, `rotation:${id}:${name}`);
}));
function removeExhibit(id) {
  if (!id) { problem(w('selectExhibit')); return; }
  // A tour step that visits it would dangle: say which tour, change nothing.
  const tour = (history.doc.tours || []).find((t) => t.steps.some((step) => step.exhibit === id));
  if (tour) { problem(`${id}: ${w('inTour')} '${tour.id}'`); return; }
  if (studio.selected === id) studio.selected = null;
  history.change((doc) => { doc.exhibits = doc.exhibits.filter((e) => e.id !== id); });
}
$('exhibit-pedestal').addEventListener('change', () => {
  const id = studio.selected;
  const on = $('exhibit-pedestal').checked;
  if (id) history.change((doc) => { const e = doc.exhibits.find((x) => x.id === id); e.pedestal = on; });
});
$('snap-now').addEventListener('click', async () => {
  const id = studio.selected;
  if (!id) { problem(w('selectExhibit')); return; }
  try {
    const { transform } = await view.snapNow(id);
    history.change((doc) => { const e = doc.exhibits.find((x) => x.id === id); if (e) e.transform = transform; });
  } catch (err) { problem(err.message === 'NO_VIEW' ? w('noView') : err.message); }
});
$('language-form').addEventListener('submit', (event) => {
  event.preventDefault();
  if (!forms.addLanguage($('new-language').value)) return;
  $('new-language').value = '';
  render(history.doc, { remote: true });  // screens' names and tours' titles get the language too
});
$('add-light').addEventListener('click', () => plan.addLight());
$('add-screen').addEventListener('click', () => screens.add());
$('tour-record').addEventListener('click', () => tours.record());
$('tour-add-step').addEventListener('click', () => tours.addStep());
$('diff-show').addEventListener('click', () => versions.showDiff());
$('ui-language').addEventListener('change', () => {
  setUiLanguage($('ui-language').value);
  $('save-state').textContent = w($('save-state').dataset.state);
  render(history.doc, { remote: true });
});

document.addEventListener('keydown', (event) => {
  if (!(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== 'z') return;
  const typing = ['INPUT', 'TEXTAREA'].includes(document.activeElement?.tagName);
  if (typing) return;  // the field's own undo
  event.preventDefault();
  if (event.shiftKey) history.redo(); else history.undo();
});
window.addEventListener('pagehide', () => { view.close({ keepalive: true }); });
window.addEventListener('beforeunload', (event) => {
  if (['unsaved', 'saving', 'conflict'].includes(history.state)) event.preventDefault();
});

// --- start -----------------------------------------------------------------------------
setUiLanguage(uiLanguage());
$('ui-language').value = uiLanguage();
api.session().then((reply) => signedIn(reply.body), () => { $('login').hidden = false; $('login-name').focus(); });
