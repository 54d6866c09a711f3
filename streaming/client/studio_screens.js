// Stage screens: each one's name in every language the document speaks (the default
// language's is required), the live stream it shows, its size and turn; its place is dragged on the floor plan (a purple square there).  The
// draft view shows screen changes after a save and "Refresh view".
import { w } from '/static/studio_words.js';

const STREAM = /^[A-Za-z0-9_-]{1,64}$/;

function input(id, label, value, attrs = {}) {
  const wrap = document.createElement('label');
  wrap.className = 'field';
  wrap.textContent = label;
  const el = document.createElement('input');
  el.id = id;
  el.value = value ?? '';
  Object.assign(el, attrs);
  wrap.append(el);
  return [wrap, el];
}

export function createScreens({ box, history, problem, languages }) {
  const state = { shape: '' };
  /** Change screen `index`; typing in one field is one undo step. */
  function edit(index, fn, key) {
    history.change((doc) => { const screen = (doc.stage_screens || [])[index]; if (screen) fn(screen, doc); }, key);
  }

  function row(screen, index, doc) {
    const li = document.createElement('li');
    li.className = 'step-row';
    li.dataset.screen = screen.id;
    const names = languages().map((lang) => {
      const required = lang === doc.default_language;
      const [label, name] = input(`screen-${screen.id}-name-${lang}`, `${screen.id} (${lang})${required ? ' *' : ''}`, screen.name?.[lang]);
      name.lang = lang;
      name.addEventListener('input', () => {
        name.setAttribute('aria-invalid', String(required && !name.value.trim()));
        edit(index, (s) => {
          const map = { ...s.name };
          if (name.value.trim()) map[lang] = name.value;
          else if (required) map[lang] = screen.id;  // the default language always names it
          else delete map[lang];
          s.name = map;
        }, `screen:${index}:name:${lang}`);
      });
      return label;
    });
    const [streamLabel, stream] = input(`screen-${screen.id}-stream`, 'stream', screen.stream);
    stream.addEventListener('change', () => {
      const value = stream.value.trim();
      if (value && !STREAM.test(value)) { problem(`stream: ${value}?`); return; }
      edit(index, (s) => { if (value) s.stream = value; else delete s.stream; });
    });
    const numbers = [['width', 0.1, 100], ['height', 0.1, 100]].map(([key, min, max]) => {
      const [label, el] = input(`screen-${screen.id}-${key}`, key, screen[key], { type: 'number', min, max, step: 0.01 });
      el.addEventListener('change', () => { const v = Number(el.value); if (v > 0 && v <= max) edit(index, (s) => { s[key] = v; }); });
      return label;
    });
    const [yawLabel, yaw] = input(`screen-${screen.id}-yaw`, 'yaw°', screen.rotation?.[0] ?? 0, { type: 'number', step: 5 });
    yaw.addEventListener('change', () => edit(index, (s) => { const r = s.rotation || [0, 0, 0]; s.rotation = [Number(yaw.value) || 0, r[1], r[2]]; }));
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'button';
    remove.textContent = w('remove');
    remove.addEventListener('click', () => history.change((d) => { d.stage_screens.splice(index, 1); }));
    li.append(...names, streamLabel, ...numbers, yawLabel, remove);
    return li;
  }

  function render(doc) {
    if (!doc) return;
    const shape = JSON.stringify([languages(), (doc.stage_screens || []).map((c) => c.id)]);
    if (box.contains(document.activeElement) && shape === state.shape) return;  // not under the curator's typing
    state.shape = shape;
    box.replaceChildren(...(doc.stage_screens || []).map((screen, i) => row(screen, i, doc)));
  }

  /** A 16:9 screen 2 m wide, 2 m up, at the spawn point (then dragged on the plan). */
  function add() {
    history.change((doc) => {
      doc.stage_screens = doc.stage_screens || [];
      const taken = new Set(doc.stage_screens.map((s) => s.id));
      let n = doc.stage_screens.length + 1;
      while (taken.has(`screen-${n}`)) n += 1;
      const at = doc.spawn?.position || [0, 0, 0];
      doc.stage_screens.push({ id: `screen-${n}`, name: { [doc.default_language]: `screen-${n}` }, position: [at[0], 2, at[2] - 3], width: 2, height: 1.125, rotation: [0, 0, 0] });
    });
  }

  return { render, add };
}
