// Walk or orbit: two toggle buttons in the header, kept in step with the server's "mode"
// messages (the server decides; a walk key pressed while orbiting switches too).
export function createModes({ group, hint, labels, send }) {
  const state = { mode: 'orbit', exhibit: null, canWalk: false };
  const WORDS = {
    zh: { walk: '漫游', orbit: '环绕', walkHint: '拖动环顾 · WASD 或方向键行走 · 滚轮前进 · 双击回到入口' },
    en: {
      walk: 'Walk',
      orbit: 'Orbit',
      walkHint: 'Drag to look around · WASD or arrow keys to walk · wheel to step · double-click to return to the entrance',
    },
  };

  function words() { return WORDS[labels.language.split('-')[0]] || WORDS.en; }

  function render() {
    group.hidden = !state.canWalk;
    for (const button of group.querySelectorAll('button[data-mode]')) {
      const mode = button.dataset.mode;
      button.textContent = words()[mode];
      button.setAttribute('aria-pressed', String(state.mode === mode));
    }
    document.body.dataset.mode = state.mode;
    const walkHint = hint.querySelector('.hint-walk');
    if (walkHint) walkHint.textContent = words().walkHint;
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
