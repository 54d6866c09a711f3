// The guided-tour bar: choose a tour, play or pause it, step through it, leave it; the
// narration of each step shows as text (read out by screen readers) in the visitor's language.
import { pickText } from '/static/label.js';

export function createTours({ bar, labels, send }) {
  const state = { tours: [], current: null };
  const $ = (name) => bar.querySelector(`[data-role="${name}"]`);

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
  }

  function labelFor(action) {
    const zh = labels.language.split('-')[0] === 'zh';
    const words = zh
      ? { start: '开始导览', pause: '暂停', resume: '继续' }
      : { start: 'Start tour', pause: 'Pause', resume: 'Resume' };
    return words[action];
  }

  $('play').addEventListener('click', () => {
    const current = state.current;
    if (!current || current.state === 'stopped' || current.state === 'finished') {
      send({ type: 'tour', action: 'start', tour: $('choose').value });
    } else {
      send({ type: 'tour', action: current.state === 'playing' ? 'pause' : 'resume' });
    }
  });
  for (const action of ['prev', 'next', 'stop']) {
    $(action).addEventListener('click', () => send({ type: 'tour', action }));
  }

  return {
    configure(hello) { state.tours = hello.tours || []; state.current = null; render(); },
    update(message) {
      state.current = message.step === undefined
        ? { ...state.current, state: message.state }
        : message;
      render();
    },
    refresh: render,
  };
}
