// A tour step's recording in one language: upload a file, or have the server's narrator
// draft one from the step's text (it reads the saved draft, so the draft is saved first);
// either way the step's `audio` map names it through history (undo, redo and autosave
// cover it).  Play hears the draft's file through the staff route, before publishing.
import { ApiError, call } from '/static/studio_api.js';
import { uiLanguage } from '/static/studio_words.js';

const WORDS = {
  en: {
    audio: 'Recording', none: 'none', upload: 'Upload recording', narrate: 'Draft with narrate',
    play: 'Play', stop: 'Stop', clear: 'Remove recording', sending: 'Uploading…',
    speaking: 'Speaking…', notSaved: 'The draft could not be saved; narrate reads the saved draft.',
    noText: 'Write the narration in this language first.',
  },
  zh: {
    audio: '录音', none: '无', upload: '上传录音', narrate: '用 narrate 生成草稿录音',
    play: '播放', stop: '停止', clear: '删除录音', sending: '上传中…',
    speaking: '合成中…', notSaved: '草稿无法保存；narrate 读取的是已保存的草稿。',
    noText: '请先填写此语言的解说词。',
  },
};

const aw = (key) => (WORDS[uiLanguage()] || WORDS.en)[key] ?? WORDS.en[key];

let player = null;  // one recording plays at a time

/** The file `audio` names for `lang` (a plain string names one for every language). */
export function audioFor(audio, lang) {
  if (!audio) return '';
  return typeof audio === 'string' ? audio : audio[lang] || '';
}

/** `audio` with `lang` set to `name` (or removed when `name` is empty); null when empty. */
export function withAudio(audio, lang, name, defaultLanguage) {
  const map = typeof audio === 'string' ? { [defaultLanguage]: audio } : { ...(audio || {}) };
  if (name) map[lang] = name; else delete map[lang];
  return Object.keys(map).length ? map : null;
}

function mediaUrl(exhibition, name) {
  return `/api/exhibitions/${encodeURIComponent(exhibition)}/media/${name.split('/').map(encodeURIComponent).join('/')}`;
}

function button(text, role, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'button';
  b.textContent = text;
  b.dataset.role = role;
  b.addEventListener('click', onClick);
  return b;
}

/**
 * The controls for step `index` of `tourId` in `lang`: `step` as rendered, `history` the
 * draft, `setAudio(name)` writes the step's audio for this language, `problem(text)`.
 */
export function audioControls({ tourId, step, index, lang, history, setAudio, problem }) {
  const box = document.createElement('div');
  box.className = 'field step-audio';
  box.dataset.lang = lang;
  const current = audioFor(step.audio, lang);
  const label = document.createElement('span');
  label.textContent = `${aw('audio')} (${lang}): `;
  const name = document.createElement('code');
  name.className = 'audio-name';
  name.id = `tour-step-${index}-audio-${lang}`;
  name.textContent = current || aw('none');
  label.append(name);
  const status = document.createElement('span');
  status.className = 'audio-status';
  status.setAttribute('role', 'status');

  const file = document.createElement('input');
  file.type = 'file';
  file.accept = 'audio/*';
  file.hidden = true;
  file.id = `tour-step-${index}-audio-file-${lang}`;

  const buttons = [];
  function busy(text) {
    status.textContent = text || '';
    for (const b of buttons) b.disabled = Boolean(text);
  }
  function refused(err) {
    busy('');
    problem(err instanceof ApiError ? err.describe() : String(err));
  }

  file.addEventListener('change', async () => {
    const chosen = file.files && file.files[0];
    file.value = '';
    if (!chosen || !history.id) return;
    busy(aw('sending'));
    try {
      const reply = await call('POST', `/api/exhibitions/${encodeURIComponent(history.id)}/media?${new URLSearchParams({ name: chosen.name })}`,
        { raw: await chosen.arrayBuffer(), type: chosen.type || 'application/octet-stream' });
      busy('');
      setAudio(reply.body.name);
    } catch (err) { refused(err); }
  });

  async function narrate() {
    if (!history.id) return;
    if (!(step.narration && (step.narration[lang] || '').trim())) { problem(aw('noText')); return; }
    busy(aw('speaking'));
    try {
      if (history.state !== 'saved') await history.save();  // narrate reads the saved draft
      if (history.state !== 'saved') { busy(''); problem(aw('notSaved')); return; }
      const reply = await call('POST', `/api/exhibitions/${encodeURIComponent(history.id)}/narrate`,
        { body: { tour: tourId, step: index, language: lang } });
      busy('');
      setAudio(reply.body.name);
    } catch (err) { refused(err); }
  }

  function shown(playing) {
    playButton.textContent = aw(playing ? 'stop' : 'play');
    playButton.dataset.playing = String(playing);
  }

  function play() {
    if (player && !player.paused) {
      const same = player.dataset.name === current;
      player.pause();
      if (same) return;
    }
    player = player || document.createElement('audio');
    player.dataset.name = current;
    player.src = mediaUrl(history.id, current);
    player.onended = () => shown(false);
    player.onpause = () => shown(false);
    player.play().then(() => shown(true), (err) => problem(String(err)));
  }

  const playButton = button(aw('play'), 'play-audio', play);
  playButton.disabled = !current;
  buttons.push(
    button(aw('upload'), 'upload-audio', () => file.click()),
    button(aw('narrate'), 'narrate-audio', narrate),
  );
  const clear = button(aw('clear'), 'clear-audio', () => setAudio(''));
  clear.disabled = !current;
  box.append(label, file, playButton, ...buttons, clear, status);
  return box;
}
