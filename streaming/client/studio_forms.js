// The label editor: an exhibit's Dublin Core metadata in one form per language (title
// required in the default language, new languages checked as BCP 47 tags), its hotspots'
// titles, and the label drawn live by the visitor page's own label.js; and every tour's
// title per language (its steps are the tour editor's).  Also which of its model's
// animations the exhibit plays (names from GET /api/exhibitions/{id}/models/{asset}).
import { createLabels } from '/static/label.js';
import { LANGUAGE_TAG, w } from '/static/studio_words.js';

export const FIELDS = ['title', 'creator', 'date', 'medium', 'dimensions', 'provenance', 'rights', 'description'];

/** Every language the document speaks: the default first, then every tag in its maps. */
export function documentLanguages(doc, extra = []) {
  const found = new Set([doc.default_language || 'en']);
  const visit = (value, key) => {
    if (!value || typeof value !== 'object') return;
    if (!Array.isArray(value) && key !== 'transform' && Object.values(value).every((v) => typeof v === 'string')
        && Object.keys(value).every((k) => LANGUAGE_TAG.test(k))) {
      Object.keys(value).forEach((k) => found.add(k));
      return;
    }
    for (const [k, v] of Object.entries(value)) visit(v, k);
  };
  visit(doc.title, 'title');
  (doc.exhibits || []).forEach((e) => visit(e.metadata, 'metadata'));
  (doc.stage_screens || []).forEach((c) => visit(c.name, 'name'));
  (doc.tours || []).forEach((t) => visit(t.title, 'title'));
  extra.forEach((tag) => found.add(tag));
  return [...found];
}

function field(id, labelText, value, { multiline = false, lang = null, required = false } = {}) {
  const label = document.createElement('label');
  label.className = 'field';
  const span = document.createElement('span');
  span.textContent = labelText + (required ? ' *' : '');
  const input = document.createElement(multiline ? 'textarea' : 'input');
  input.id = id;
  if (!multiline) input.type = 'text';
  if (lang) input.lang = lang;
  input.required = required;
  input.value = value || '';
  label.append(span, input);
  return [label, input];
}

/**
 * `box` gets the forms, `preview` the label (with `previewMenu`, `previewHeading`);
 * `history` is the draft; `selected()` the exhibit's id; `modelFacts(asset)` resolves
 * to what the draft's model offers (`{animations: [names]}`).
 */
export function createForms({ box, preview, previewMenu, previewHeading, history, selected, problem, modelFacts }) {
  const s = { shape: '', added: [] };
  const labels = createLabels({ panel: preview, menu: previewMenu, heading: previewHeading });

  const exhibitOf = (doc) => (doc.exhibits || []).find((e) => e.id === selected());

  /** Write one field of one language; an emptied optional text leaves the map. */
  function write(fieldName, lang, value) {
    const id = selected();
    history.change((doc) => {
      const exhibit = doc.exhibits.find((e) => e.id === id);
      if (!exhibit) return;
      exhibit.metadata = exhibit.metadata || { title: {} };
      if (fieldName === 'identifier') {
        if (value) exhibit.metadata.identifier = value; else delete exhibit.metadata.identifier;
        return;
      }
      const map = { ...(exhibit.metadata[fieldName] || {}) };
      if (value) map[lang] = value; else delete map[lang];
      if (Object.keys(map).length || fieldName === 'title') exhibit.metadata[fieldName] = map;
      else delete exhibit.metadata[fieldName];
    }, `meta:${id}:${fieldName}:${lang}`);
  }

  function writeHotspot(spotId, part, lang, value) {
    const id = selected();
    history.change((doc) => {
      const spot = (doc.exhibits.find((e) => e.id === id)?.hotspots || []).find((h) => h.id === spotId);
      if (!spot) return;
      const map = { ...spot[part] };
      if (value) map[lang] = value; else delete map[lang];
      if (Object.keys(map).length || part === 'title') spot[part] = map; else delete spot[part];
    }, `spot:${id}:${spotId}:${part}:${lang}`);
  }

  function removeHotspot(spotId) {
    const id = selected();
    history.change((doc) => {
      const exhibit = doc.exhibits.find((e) => e.id === id);
      if (exhibit) exhibit.hotspots = (exhibit.hotspots || []).filter((h) => h.id !== spotId);
    });
  }

  /** Mark a required field that is empty (the default language's title). */
  function check(input, required) {
    const bad = required && !input.value.trim();
    input.setAttribute('aria-invalid', String(bad));
    input.title = bad ? w('required') : '';
  }

  /**
   * The exhibit's `animation`: absent (its first, looping), false, or {name, loop, speed};
   * typing a speed is one undo step (`typing`), each choice another.
   */
  function writeAnimation(value, typing) {
    const id = selected();
    history.change((doc) => {
      const exhibit = doc.exhibits.find((e) => e.id === id);
      if (!exhibit) return;
      if (value === undefined) delete exhibit.animation; else exhibit.animation = value;
    }, typing ? `animation-speed:${id}` : undefined);
  }

  /** The animation fieldset; its choices arrive with the model's facts. */
  function animationSet(exhibit) {
    const set = document.createElement('fieldset');
    set.id = 'exhibit-animation';
    const legend = document.createElement('legend');
    legend.textContent = w('animation');
    const select = document.createElement('select');
    select.id = 'animation-name';
    select.setAttribute('aria-label', w('animation'));
    const loop = document.createElement('input');
    loop.type = 'checkbox';
    loop.id = 'animation-loop';
    const loopLabel = document.createElement('label');
    loopLabel.append(loop, ` ${w('loop')}`);
    const [speedLabel, speed] = field('animation-speed', w('speed'), '');
    speed.type = 'number';
    Object.assign(speed, { min: '0.05', max: '10', step: '0.05' });
    const note = document.createElement('p');
    note.className = 'hint';
    set.append(legend, select, loopLabel, speedLabel, note);
    const show = (chosen, names) => {
      const options = [['', w('animation.first')], ['\u0000still', w('animation.still')], ...names.map((n) => [n, n])];
      select.replaceChildren(...options.map(([value, text]) => {
        const o = document.createElement('option');
        o.value = value;
        o.textContent = text;
        return o;
      }));
      select.value = chosen === false ? '\u0000still' : (chosen?.name ?? '');
      const named = chosen && chosen !== false;
      loop.checked = named ? chosen.loop !== false : true;
      speed.value = String(named ? (chosen.speed ?? 1) : 1);
      loop.disabled = speed.disabled = !named;
      note.textContent = names.length ? '' : w('noAnimations');
    };
    const commit = (typing) => {
      const v = select.value;
      const rate = Number(speed.value);
      const bad = !(Number.isFinite(rate) && rate > 0 && rate <= 10);
      speed.setAttribute('aria-invalid', String(bad && v !== '' && v !== '\u0000still'));
      if (v === '') writeAnimation(undefined, false);
      else if (v === '\u0000still') writeAnimation(false, false);
      else if (!bad) writeAnimation({ name: v, loop: loop.checked, speed: rate }, typing);
      loop.disabled = speed.disabled = v === '' || v === '\u0000still';
    };
    select.addEventListener('change', () => commit(false));
    loop.addEventListener('change', () => commit(false));
    speed.addEventListener('input', () => commit(true));
    let names = [];
    show(exhibit.animation, names);
    s.refreshAnimation = (chosen) => show(chosen, names);  // undo, redo, another editor
    const asset = exhibit.asset;
    (modelFacts ? modelFacts(asset) : Promise.resolve({ animations: [] })).then((facts) => {
      const now = history.doc && exhibitOf(history.doc);
      names = facts.animations || [];
      if (now && now.asset === asset && set.isConnected) show(now.animation, names);
    }, (err) => problem(err.message || String(err)));
    return set;
  }

  function build(doc, exhibit, languages) {
    const parts = [];
    const heading = document.createElement('h3');
    heading.textContent = exhibit.id;
    const [idLabel, idInput] = field('meta-identifier', 'identifier', exhibit.metadata?.identifier);
    idInput.addEventListener('input', () => write('identifier', null, idInput.value.trim()));
    parts.push(heading, idLabel, animationSet(exhibit));
    for (const lang of languages) {
      const set = document.createElement('fieldset');
      set.lang = lang;
      const legend = document.createElement('legend');
      legend.textContent = lang + (lang === doc.default_language ? ' ★' : '');
      set.append(legend);
      for (const name of FIELDS) {
        const required = name === 'title' && lang === doc.default_language;
        const value = exhibit.metadata?.[name]?.[lang];
        const [label, input] = field(`meta-${name}-${lang}`, name, value, { multiline: name === 'description', lang, required });
        input.addEventListener('input', () => { check(input, required); write(name, lang, input.value); });
        check(input, required);
        set.append(label);
      }
      parts.push(set);
    }
    const spots = exhibit.hotspots || [];
    if (spots.length) {
      const head = document.createElement('h4');
      head.textContent = 'hotspots';
      parts.push(head);
      for (const spot of spots) {
        const row = document.createElement('div');
        row.className = 'hotspot-row';
        row.dataset.hotspot = spot.id;
        for (const lang of languages) {
          for (const part of ['title', 'text']) {
            const [label, input] = field(`hotspot-${spot.id}-${part}-${lang}`, `${spot.id} ${part} (${lang})`, spot[part]?.[lang], { lang });
            input.addEventListener('input', () => writeHotspot(spot.id, part, lang, input.value));
            row.append(label);
          }
        }
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.className = 'button';
        remove.textContent = w('remove');
        remove.addEventListener('click', () => removeHotspot(spot.id));
        row.append(remove);
        parts.push(row);
      }
    }
    box.replaceChildren(...parts);
  }

  /** After any change: rebuild the form only when its shape changed (keeps focus). */
  function render(doc) {
    const exhibit = doc && exhibitOf(doc);
    if (!exhibit) { box.replaceChildren(); labels.show(null); s.shape = ''; return; }
    const languages = documentLanguages(doc, s.added);
    const shape = JSON.stringify([exhibit.id, exhibit.asset, languages, doc.default_language, (exhibit.hotspots || []).map((h) => h.id)]);
    if (shape !== s.shape) {
      s.shape = shape;
      build(doc, exhibit, languages);
      labels.configure({ languages, default_language: doc.default_language, title: doc.title });
    } else {
      for (const input of box.querySelectorAll('input, textarea')) {
        if (input === document.activeElement) continue;
        const m = input.id.match(/^meta-([a-z]+)-(.+)$/);
        if (m) input.value = exhibit.metadata?.[m[1]]?.[m[2]] || '';
        if (input.id === 'meta-identifier') input.value = exhibit.metadata?.identifier || '';
      }
      if (s.refreshAnimation && !document.activeElement?.id?.startsWith('animation-')) s.refreshAnimation(exhibit.animation);
    }
    labels.show({ id: exhibit.id, metadata: exhibit.metadata || { title: {} }, hotspots: exhibit.hotspots || [] });
  }

  /** A new language for every form, if its tag is a BCP 47 tag. */
  function addLanguage(tag) {
    const clean = (tag || '').trim();
    if (!LANGUAGE_TAG.test(clean)) { problem(`"${clean}" ${w('badLanguage')}`); return false; }
    problem('');
    if (!s.added.includes(clean)) s.added.push(clean);
    if (history.doc) render(history.doc);
    return true;
  }

  return { render, addLanguage, labels, get languages() { return history.doc ? documentLanguages(history.doc, s.added) : []; } };
}

/**
 * Every tour's title in every language the document speaks (`languages()`): one row per
 * tour in `box`; the default language's title is required (emptied, it falls back to the id).
 */
export function createTourTitles({ box, history, languages }) {
  const s = { shape: '' };

  function write(tourId, lang, value, required) {
    history.change((doc) => {
      const tour = (doc.tours || []).find((t) => t.id === tourId);
      if (!tour) return;
      const map = { ...tour.title };
      if (value.trim()) map[lang] = value;
      else if (required) map[lang] = tourId;
      else delete map[lang];
      tour.title = map;
    }, `tour-title:${tourId}:${lang}`);
  }

  function render(doc) {
    if (!doc) return;
    const langs = languages();
    const tours = doc.tours || [];
    const shape = JSON.stringify([langs, doc.default_language, tours.map((t) => t.id)]);
    if (shape !== s.shape) {
      s.shape = shape;
      box.replaceChildren(...tours.map((tour) => {
        const row = document.createElement('div');
        row.className = 'hotspot-row';
        row.dataset.tour = tour.id;
        for (const lang of langs) {
          const required = lang === doc.default_language;
          const [label, input] = field(`tour-${tour.id}-title-${lang}`, `${tour.id} (${lang})`, tour.title?.[lang], { lang, required });
          input.dataset.tour = tour.id;
          input.addEventListener('input', () => {
            input.setAttribute('aria-invalid', String(required && !input.value.trim()));
            write(tour.id, lang, input.value, required);
          });
          row.append(label);
        }
        return row;
      }));
      return;
    }
    for (const input of box.querySelectorAll('input')) {  // another editor's change, not under typing
      if (input === document.activeElement) continue;
      const tour = tours.find((t) => t.id === input.dataset.tour);
      if (tour) input.value = tour.title?.[input.lang] || '';
    }
  }

  return { render };
}
