// The page's own words in each language the page knows; the exhibition's texts come from
// its document.  Elements name their words with data-i18n (text) and data-i18n-label
// (aria-label); translatePage rewrites them all at once when the visitor switches.
const WORDS = {
  en: {
    reset: 'Reset view',
    connectionState: 'Connection state',
    howToMove: 'How to move',
    walk: 'Walk',
    orbit: 'Orbit',
    language: 'Language',
    view: 'Gallery view',
    video: 'Live view of the gallery',
    tours: 'Guided tours',
    tour: 'Tour',
    start: 'Start tour',
    pause: 'Pause',
    resume: 'Resume',
    prev: 'Previous step',
    next: 'Next step',
    stop: 'Leave the tour',
    soundOn: 'Narration: on',
    soundOff: 'Narration: off',
    hintMouse: 'Drag to turn · wheel or pinch to zoom · right-drag to pan · double-click to reset',
    hintTouch: 'Drag to turn · pinch to zoom · two-finger drag to pan · double-tap to reset',
    hintWalk: 'Drag to look around · WASD or arrow keys to walk · wheel to step · double-click to return to the entrance',
    stopped: 'The stream stopped',
    retry: 'Retry',
    'state.new': 'new',
    'state.signalling': 'signalling',
    'state.connecting': 'connecting',
    'state.connected': 'connected',
    'state.disconnected': 'disconnected',
    'state.failed': 'failed',
    'state.closed': 'closed',
  },
  zh: {
    reset: '重置视角',
    connectionState: '连接状态',
    howToMove: '浏览方式',
    walk: '漫游',
    orbit: '环绕',
    language: '语言',
    view: '展厅画面',
    video: '展厅实时画面',
    tours: '导览',
    tour: '导览路线',
    start: '开始导览',
    pause: '暂停',
    resume: '继续',
    prev: '上一站',
    next: '下一站',
    stop: '退出导览',
    soundOn: '解说：开',
    soundOff: '解说：关',
    hintMouse: '拖动旋转 · 滚轮或双指缩放 · 右键拖动平移 · 双击复位',
    hintTouch: '拖动旋转 · 双指缩放 · 双指拖动平移 · 双击复位',
    hintWalk: '拖动环顾 · WASD 或方向键行走 · 滚轮前进 · 双击回到入口',
    stopped: '画面已中断',
    retry: '重试',
    'state.new': '未连接',
    'state.signalling': '协商中',
    'state.connecting': '连接中',
    'state.connected': '已连接',
    'state.disconnected': '连接中断',
    'state.failed': '连接失败',
    'state.closed': '已关闭',
  },
};

/** The page's word ``key`` in ``language`` (by primary subtag), else in English. */
export function t(key, language) {
  const words = WORDS[(language || 'en').split('-')[0]] || WORDS.en;
  return words[key] ?? WORDS.en[key] ?? key;
}

/** Rewrite every marked text and label of the page in ``language``. */
export function translatePage(language) {
  for (const element of document.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n, language);
  }
  for (const element of document.querySelectorAll('[data-i18n-label]')) {
    element.setAttribute('aria-label', t(element.dataset.i18nLabel, language));
  }
}
