// The label panel: an exhibit's metadata as real, selectable HTML text in the visitor's
// language (falling back to the exhibition's default language), and the language menu.

import { at } from '/static/base.js';

const FIELD_NAMES = {
  zh: { creator: '作者', date: '年代', medium: '材质', dimensions: '尺寸', provenance: '来源',
        rights: '版权', description: '说明', identifier: '编号', hotspots: '细节', close: '关闭',
        closer: '环绕细看' },
  en: { creator: 'Maker', date: 'Date', medium: 'Medium', dimensions: 'Dimensions',
        provenance: 'Provenance', rights: 'Rights', description: 'Description',
        identifier: 'Identifier', hotspots: 'Details', close: 'Close',
        closer: 'Look closer' },
};
const FIELDS = ['creator', 'date', 'medium', 'dimensions', 'provenance', 'rights', 'description'];

/** The text of a language map in `language`, else its primary subtag, else `fallback`. */
export function pickText(map, language, fallback) {
  if (!map || typeof map !== 'object') return '';
  if (map[language]) return map[language];
  const primary = language.split('-')[0];
  const near = Object.keys(map).find((tag) => tag.split('-')[0] === primary);
  return map[near] ?? map[fallback] ?? Object.values(map)[0] ?? '';
}

export function createLabels({ panel, menu, heading }) {
  // The panel sits on the view: keep its clicks, scrolling and text selection its own.
  for (const type of ['pointerdown', 'wheel', 'dblclick', 'contextmenu']) {
    panel.addEventListener(type, (event) => event.stopPropagation());
  }
  const state = { language: 'en', fallback: 'en', languages: ['en'], title: null, label: null };

  const names = () => FIELD_NAMES[state.language.split('-')[0]] || FIELD_NAMES.en;

  function renderMenu() {
    menu.replaceChildren(...state.languages.map((tag) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'lang';
      button.lang = tag;
      button.dataset.lang = tag;
      button.textContent = tag.toUpperCase();
      button.setAttribute('aria-pressed', String(tag === state.language));
      button.addEventListener('click', () => { setLanguage(tag); listeners.forEach((fn) => fn(tag)); });
      return button;
    }));
  }

  function renderPanel() {
    const label = state.label;
    panel.hidden = !label;
    if (!label) return;
    const t = (map) => pickText(map, state.language, state.fallback);
    const n = names();
    const title = document.createElement('h2');
    title.id = 'label-title';
    title.textContent = t(label.metadata.title);
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'button close';
    close.textContent = n.close;
    close.addEventListener('click', () => show(null));
    const list = document.createElement('dl');
    for (const field of FIELDS) {
      const text = t(label.metadata[field]);
      if (!text) continue;
      const dt = document.createElement('dt');
      dt.textContent = n[field];
      const dd = document.createElement('dd');
      dd.textContent = text;
      list.append(dt, dd);
    }
    if (label.metadata.identifier) {
      const dt = document.createElement('dt');
      dt.textContent = n.identifier;
      const dd = document.createElement('dd');
      dd.textContent = label.metadata.identifier;
      list.append(dt, dd);
    }
    const parts = [close, title];
    if (label.id && closerListeners.length) {  // near the top: the panel may scroll
      const closer = document.createElement('button');
      closer.type = 'button';
      closer.className = 'button closer';
      closer.textContent = n.closer;
      closer.addEventListener('click', () => closerListeners.forEach((fn) => fn(label.id)));
      parts.push(closer);
    }
    parts.push(list);
    if (label.hotspots && label.hotspots.length) {
      const head = document.createElement('h3');
      head.textContent = n.hotspots;
      const items = document.createElement('ul');
      for (const spot of label.hotspots) {
        const item = document.createElement('li');
        item.dataset.hotspot = spot.id;
        if (spot.id === label.hotspot) item.classList.add('current');
        const strong = document.createElement('strong');
        strong.textContent = t(spot.title);
        item.append(strong);
        const text = t(spot.text);
        if (text) item.append(document.createTextNode(' — ' + text));
        if (typeof spot.image === 'string' && spot.image.startsWith('/media/')) {
          const image = document.createElement('img');
          image.src = at(spot.image);
          image.alt = t(spot.title);
          image.loading = 'lazy';
          item.append(image);
        }
        items.append(item);
      }
      parts.push(head, items);
    }
    panel.replaceChildren(...parts);
    panel.lang = state.language;
  }

  function renderHeading() {
    if (state.title) heading.textContent = pickText(state.title, state.language, state.fallback);
  }

  function setLanguage(tag) {
    state.language = tag;
    document.documentElement.lang = tag;
    renderMenu();
    renderHeading();
    renderPanel();
  }

  /** Take the exhibition's languages from the server's hello message. */
  function configure(hello) {
    state.languages = Array.isArray(hello.languages) && hello.languages.length ? hello.languages : ['en'];
    state.fallback = hello.default_language || state.languages[0];
    state.title = hello.title || null;
    const wanted = (navigator.languages || []).map((l) => l.toLowerCase());
    const match = wanted.map((w) => state.languages.find((t) => t.toLowerCase() === w
      || t.split('-')[0] === w.split('-')[0])).find(Boolean);
    const asked = museionLanguageParam();
    setLanguage(state.languages.includes(asked) ? asked : match || state.fallback);
  }

  /** Show a picked exhibit's label, or close the panel with `null`. */
  function show(label, hotspot = null) {
    state.label = label ? { ...label, hotspot } : null;
    renderPanel();
    shownListeners.forEach((fn) => fn(state.label));
  }

  const listeners = [];
  const closerListeners = [];
  const shownListeners = [];
  const notify = () => listeners.forEach((fn) => fn(state.language));
  const setLanguageAndNotify = (tag) => { setLanguage(tag); notify(); };
  return {
    configure: (hello) => { configure(hello); notify(); },
    show,
    setLanguage: setLanguageAndNotify,
    onLanguage: (fn) => listeners.push(fn),
    /** Offer "look closer" (orbit this exhibit) in the panel; ``fn`` gets the exhibit id. */
    onCloser: (fn) => closerListeners.push(fn),
    /** Told the label now shown (``null``: the panel closed), after every change. */
    onShow: (fn) => shownListeners.push(fn),
    get language() { return state.language; },
    get fallback() { return state.fallback; },
  };
}

function museionLanguageParam() {
  return new URLSearchParams(window.location.search).get('lang');
}
