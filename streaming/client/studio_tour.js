// The tour recorder: fly the draft view, press "add step" and the camera there becomes a
// step (`edit.pose`), with narration per language and a dwell; steps reorder and go.
// A new tour enters the document with its first step (a tour needs one to be valid).
// Each step has a recording per language (studio_audio.js: upload, or a narrate draft).
// A step may start one of an exhibit's animations (`play`) and may rest on a camera an
// exhibit's glTF carries instead of the recorded pose (`camera: {exhibit, name|index}`);
// both choose from the models' facts (`modelFacts(asset)`, the server's gate).
import { audioControls, withAudio } from '/static/studio_audio.js';
import { w } from '/static/studio_words.js';

const DEFAULT_DWELL_S = 6;

export function createTours({ box, picker, title, history, view, languages, problem, modelFacts }) {
  // recorded: a step's recorded pose while it rests on a model's camera (to go back to).
  const s = { tour: null, pending: null, facts: new Map(), recorded: new Map() };

  /** Every exhibit's animations and cameras known so far; asks for the rest, then redraws. */
  function offers(doc) {
    const found = [];
    for (const exhibit of doc.exhibits || []) {
      const facts = s.facts.get(exhibit.asset);
      if (facts) { found.push({ exhibit: exhibit.id, ...facts }); continue; }
      if (!modelFacts || s.facts.has(exhibit.asset)) continue;
      s.facts.set(exhibit.asset, null);  // asked
      modelFacts(exhibit.asset).then((got) => { s.facts.set(exhibit.asset, got); render(history.doc); },
        () => s.facts.delete(exhibit.asset));
    }
    return found;
  }

  function choice(id, label, options, value, onChange) {
    const wrap = document.createElement('label');
    wrap.className = 'field';
    wrap.textContent = label;
    const select = document.createElement('select');
    select.id = id;
    select.replaceChildren(...options.map(([v, text]) => { const o = document.createElement('option'); o.value = v; o.textContent = text; return o; }));
    select.value = options.some(([v]) => v === value) ? value : options[0][0];
    select.addEventListener('change', () => onChange(select.value));
    wrap.append(select);
    return wrap;
  }

  /** The step's `play` and viewpoint choices, from what the exhibits' models offer. */
  function stepChoices(tour, step, index, found) {
    const plays = [['', w('playNothing')]];
    const cameras = [['', w('asRecorded')]];
    for (const f of found) {
      for (const name of f.animations || []) plays.push([JSON.stringify([f.exhibit, name]), `${f.exhibit}: ${name}`]);
      for (const c of f.cameras || []) {
        const ref = c.names.length ? { exhibit: f.exhibit, name: c.names[0] } : { exhibit: f.exhibit, index: c.index };
        cameras.push([JSON.stringify(ref), `${f.exhibit}: ${w('modelCamera')} ${c.names[0] || `#${c.index}`}`]);
      }
    }
    const parts = [];
    if (plays.length > 1) {
      const now = step.play ? JSON.stringify([step.play.exhibit, step.play.animation]) : '';
      parts.push(choice(`tour-step-${index}-play`, w('play'), plays, now, (v) => edit((t) => {
        if (v) { const [exhibit, animation] = JSON.parse(v); t.steps[index].play = { exhibit, animation }; } else delete t.steps[index].play;
      })));
    }
    if (cameras.length > 1) {
      const cam = step.camera || {};
      const now = cam.exhibit ? JSON.stringify(cam.name !== undefined ? { exhibit: cam.exhibit, name: cam.name } : { exhibit: cam.exhibit, index: cam.index }) : '';
      const key = `${tour.id}/${index}`;
      parts.push(choice(`tour-step-${index}-camera`, w('viewpoint'), cameras, now, (v) => {
        const recorded = s.recorded.get(key);
        if (!v && !recorded) { render(history.doc); return; }  // nothing recorded to go back to
        edit((t) => {
          const was = t.steps[index].camera;
          if (was && !was.exhibit) s.recorded.set(key, was);
          t.steps[index].camera = v ? JSON.parse(v) : recorded;
        });
      }));
    }
    return parts;
  }

  const tourOf = (doc) => (doc.tours || []).find((t) => t.id === s.tour) || null;

  function uniqueId(doc, base) {
    const taken = new Set((doc.tours || []).map((t) => t.id));
    let n = 1;
    while (taken.has(`${base}-${n}`)) n += 1;
    return `${base}-${n}`;
  }

  /** Start a new tour: it is written with its first step. */
  function record() {
    const doc = history.doc;
    if (!doc) return;
    const id = uniqueId(doc, 'tour');
    s.pending = { id, title: { [doc.default_language]: id }, steps: [] };
    s.tour = id;
    render(doc);
  }

  /** The camera now becomes the selected tour's next step. */
  async function addStep() {
    if (!history.doc) return;
    if (!s.tour) record();
    let pose;
    try { pose = await view.pose(); } catch (err) { problem(w('noView')); return; }
    const camera = { position: pose.position, target: pose.target };
    if (pose.fov) camera.fov = pose.fov;
    const pending = s.pending && s.pending.id === s.tour ? s.pending : null;
    s.pending = null;
    history.change((doc) => {
      doc.tours = doc.tours || [];
      let tour = doc.tours.find((t) => t.id === s.tour);
      if (!tour) { tour = pending || { id: s.tour, title: { [doc.default_language]: s.tour }, steps: [] }; doc.tours.push(tour); }
      tour.steps.push({ camera, narration: { [doc.default_language]: `${w('narration')} ${tour.steps.length + 1}` }, dwell: DEFAULT_DWELL_S });
    });
  }

  function edit(fn, key) {
    const id = s.tour;
    history.change((doc) => { const tour = (doc.tours || []).find((t) => t.id === id); if (tour) fn(tour, doc); }, key);
  }

  /** The step's recording in `lang` (an upload's or narrate's name; '' removes it). */
  function setAudio(tourId, index, lang, name) {
    history.change((doc) => {
      const step = (doc.tours || []).find((t) => t.id === tourId)?.steps[index];
      if (!step) return;
      const audio = withAudio(step.audio, lang, name, doc.default_language);
      if (audio) step.audio = audio; else delete step.audio;
    });
  }

  function button(text, onClick, extra = {}) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'button';
    b.textContent = text;
    Object.assign(b.dataset, extra);
    b.addEventListener('click', onClick);
    return b;
  }

  function stepRow(tour, step, index, langs, found) {
    const row = document.createElement('li');
    row.className = 'step-row';
    row.dataset.step = String(index);
    const head = document.createElement('strong');
    head.textContent = `${index + 1}`;
    row.append(head);
    for (const lang of langs) {
      const label = document.createElement('label');
      label.className = 'field';
      label.textContent = `${w('narration')} (${lang})`;
      const input = document.createElement('textarea');
      input.id = `tour-step-${index}-narration-${lang}`;
      input.lang = lang;
      input.value = step.narration?.[lang] || '';
      input.addEventListener('input', () => edit((t) => {
        const map = { ...t.steps[index].narration };
        if (input.value) map[lang] = input.value; else delete map[lang];
        t.steps[index].narration = map;
      }, `tour:${tour.id}:${index}:${lang}`));
      label.append(input);
      row.append(label, audioControls({
        tourId: tour.id, step, index, lang, history, problem, setAudio: (name) => setAudio(tour.id, index, lang, name),
      }));
    }
    const dwell = document.createElement('label');
    dwell.className = 'field';
    dwell.textContent = w('dwell');
    const number = document.createElement('input');
    number.type = 'number'; number.min = '0'; number.max = '3600'; number.step = '0.5';
    number.id = `tour-step-${index}-dwell`;
    number.value = String(step.dwell ?? DEFAULT_DWELL_S);
    number.addEventListener('change', () => edit((t) => { t.steps[index].dwell = Math.min(3600, Math.max(0, Number(number.value) || 0)); }));
    dwell.append(number);
    row.append(dwell, ...stepChoices(tour, step, index, found),
      button(w('up'), () => edit((t) => { if (index > 0) t.steps.splice(index - 1, 0, ...t.steps.splice(index, 1)); }), { role: 'up' }),
      button(w('down'), () => edit((t) => { if (index < t.steps.length - 1) t.steps.splice(index + 1, 0, ...t.steps.splice(index, 1)); }), { role: 'down' }),
      button(w('remove'), () => edit((t, doc) => {
        t.steps.splice(index, 1);
        if (!t.steps.length) doc.tours = doc.tours.filter((x) => x.id !== t.id);  // no empty tour
      }), { role: 'remove' }));
    return row;
  }

  /** Rebuild the tour picker and the chosen tour's steps (not while one is typed in). */
  function render(doc) {
    if (!doc) return;
    const ids = (doc.tours || []).map((t) => t.id);
    if (s.pending && !ids.includes(s.pending.id)) ids.push(s.pending.id);
    if (!s.tour && ids.length) s.tour = ids[0];
    picker.replaceChildren(...ids.map((id) => { const o = document.createElement('option'); o.value = id; o.textContent = id; return o; }));
    picker.value = s.tour || '';
    if (box.contains(document.activeElement) && document.activeElement.tagName === 'TEXTAREA') return;
    const tour = tourOf(doc) || (s.pending && s.pending.id === s.tour ? s.pending : null);
    if (document.activeElement !== title) title.value = tour ? tour.title?.[doc.default_language] || '' : '';
    title.disabled = !tour;
    const langs = languages();
    const found = offers(doc);
    box.replaceChildren(...(tour ? tour.steps.map((step, i) => stepRow(tour, step, i, langs, found)) : []));
  }

  // The tour's title in the default language (a pending tour keeps it until its first step).
  title.addEventListener('input', () => {
    const doc = history.doc;
    if (!doc || !s.tour) return;
    const text = title.value || s.tour;
    if (s.pending && s.pending.id === s.tour) { s.pending.title = { [doc.default_language]: text }; return; }
    edit((t) => { t.title = { ...t.title, [doc.default_language]: text }; }, `tour-title:${s.tour}`);
  });

  picker.addEventListener('change', () => { s.tour = picker.value; render(history.doc); });

  return { render, record, addStep, get tour() { return s.tour; } };
}
