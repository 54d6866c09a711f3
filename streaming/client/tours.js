// The guided-tour bar: choose a tour, play or pause it, step through it, leave it; the
// narration of each step shows as text (read out by screen readers) in the visitor's language,
// and plays as a recording when the step has one in that language (never another language's).
import { at } from '/static/base.js';
import { t } from '/static/i18n.js';
import { pickText } from '/static/label.js';

/** The recording for ``language``: a single file, or the map's entry for that language. */
export function pickAudio(audio, language) {
  if (!audio) return null;
  if (typeof audio === 'string') return audio;
  if (audio[language]) return audio[language];
  const primary = language.split('-')[0];
  const near = Object.keys(audio).find((tag) => tag.split('-')[0] === primary);
  return near ? audio[near] : null;
}

export function createTours({ bar, labels, send }) {
  const state = { tours: [], current: null, sound: true };
  const $ = (name) => bar.querySelector(`[data-role="${name}"]`);
  const player = $('audio');

  /** Keep the recording in step with the tour: this step's, playing only while the tour plays. */
  function syncAudio() {
    const current = state.current;
    const active = current && (current.state === 'playing' || current.state === 'paused');
    const url = active && state.sound ? pickAudio(current.audio, labels.language) : null;
    if (!url) {
      player.pause();
      if (player.getAttribute('src')) { player.removeAttribute('src'); player.load(); }
      return;
    }
    const absolute = new URL(at(url), window.location.href).href;
    if (player.src !== absolute) {
      player.src = absolute;
      player.currentTime = 0;
    }
    if (current.state === 'playing') player.play().catch(() => {}); else player.pause();
  }

  function render() {
    const select = $('choose');
    const chosen = select.value;
    select.replaceChildren(...state.tours.map((tour) => {
      const option = document.createElement('option');
      option.value = tour.id;
      option.textContent = pickText(tour.title, labels.language, labels.fallback);
      return option;
    }));
    if (chosen) select.value = chosen;
    bar.hidden = state.tours.length === 0;
    const current = state.current;
    const active = current && (current.state === 'playing' || current.state === 'paused');
    bar.dataset.state = active ? current.state : 'idle';
    $('play').textContent = !active ? labelFor('start') : current.state === 'playing'
      ? labelFor('pause') : labelFor('resume');
    for (const name of ['prev', 'next', 'stop']) $(name).disabled = !active;
    $('step').textContent = active ? `${current.step + 1} / ${current.steps}` : '';
    $('narration').textContent = active ? pickText(current.narration, labels.language, labels.fallback) : '';
    $('sound').setAttribute('aria-pressed', String(state.sound));
    $('sound').textContent = labelFor(state.sound ? 'soundOn' : 'soundOff');
    syncAudio();
  }

  const labelFor = (key) => t(key, labels.language);

  $('play').addEventListener('click', () => {
    const current = state.current;
    if (!current || current.state === 'stopped' || current.state === 'finished') {
      send({ type: 'tour', action: 'start', tour: $('choose').value });
    } else {
      send({ type: 'tour', action: current.state === 'playing' ? 'pause' : 'resume' });
    }
  });
  $('sound').addEventListener('click', () => { state.sound = !state.sound; render(); });
  for (const action of ['prev', 'next', 'stop']) {
    $(action).addEventListener('click', () => send({ type: 'tour', action }));
  }

  return {
    /** A headset's grip: the next step of the tour under way, or the chosen tour from its
     * start (the narration plays as it does on the flat page). */
    step() {
      const current = state.current;
      if (current && current.step !== undefined && !['stopped', 'finished'].includes(current.state)) {
        send({ type: 'tour', action: 'next' });
      } else if (state.tours.length) {
        send({ type: 'tour', action: 'start', tour: $('choose').value || state.tours[0].id });
      }
    },
    configure(hello) { state.tours = hello.tours || []; state.current = null; render(); },
    update(message) {
      state.current = message.step === undefined
        ? { ...state.current, state: message.state }
        : message;
      render();
    },
    refresh: render,
    get audio() {
      return { src: player.getAttribute('src'), paused: player.paused, ended: player.ended, time: player.currentTime };
    },
  };
}
