// Walk or orbit: two toggle buttons in the header, kept in step with the server's "mode"
// messages (the server decides; a walk key pressed while orbiting switches too).
import { t } from '/static/i18n.js';

export function createModes({ group, labels, send }) {
  const state = { mode: 'orbit', exhibit: null, canWalk: false };
  function render() {
    group.hidden = !state.canWalk;
    for (const button of group.querySelectorAll('button[data-mode]')) {
      const mode = button.dataset.mode;
      button.textContent = t(mode, labels.language);
      button.setAttribute('aria-pressed', String(state.mode === mode));
    }
    document.body.dataset.mode = state.mode;
  }

  for (const button of group.querySelectorAll('button[data-mode]')) {
    button.addEventListener('click', () => send({ type: 'mode', mode: button.dataset.mode }));
  }

  return {
    update(message) {
      state.mode = message.mode === 'walk' ? 'walk' : 'orbit';
      state.exhibit = message.exhibit ?? null;
      state.canWalk = Boolean(message.can_walk);
      render();
    },
    refresh: render,
    get mode() { return state.mode; },
    get canWalk() { return state.canWalk; },
    get exhibit() { return state.exhibit; },
  };
}
