// The follower page: the docent's view (the live stream tour-<id>, their voice with it),
// drawn over by this page in the follower's own language: hotspot markers, the label the
// docent opened, a guided tour's narration; and the room: chat and a raised hand.
import { at, pagePath } from '/static/base.js';
import { createChat } from '/static/chat.js';
import { createHotspots } from '/static/hotspots.js';
import { t, translatePage } from '/static/i18n.js';
import { createLabels, pickText } from '/static/label.js';
import { toast as showToast } from '/static/toast.js';
import { WhepError, endSession, negotiate, receiveInto } from '/static/whep.js';
import { createXrScreen } from '/static/xr_screen.js';

const $ = (id) => document.getElementById(id);
const tourId = decodeURIComponent(pagePath.split('/').filter(Boolean)[1] || '');
const video = $('video');
const RECONNECT_MS = 2000;
const PLACES_MS = 5000;

const state = {
  tour: tourId, pc: null, location: null, socket: null, you: null, ended: false,
  framesShown: 0, hand: false, narration: null, followers: 0,
};
window.museion = state;

const words = (key) => t(key, labels.language);
const labels = createLabels({ panel: $('label'), menu: $('languages'), heading: $('exhibition') });
const hotspots = createHotspots({ layer: $('stage'), video, labels, onOpen: () => {} });
const chat = createChat({
  log: $('chat-log'), form: $('chat-form'), input: $('chat-input'), words,
  send: (text) => say({ type: 'chat', text }),
});
state.labels = labels;
state.hotspots = hotspots;
// Entering VR is a press of a button: the docent's voice comes with it.  (Listened for
// before the headset's own handler, which may have started the session by the next one.)
$('enter-vr').addEventListener('click', () => { if (video.muted && !vr.session) $('listen').click(); });
const vr = createXrScreen({
  button: $('enter-vr'), video, words, toast: (text) => toast(text), language: () => [labels.language, labels.fallback],
});
state.xr = vr;

function setState(name) {
  document.body.dataset.state = name;
  $('state').dataset.state = name;
  $('state').textContent = t(`state.${name}`, labels.language);
}

const toast = (text) => showToast($('toast'), text);

function finish(message) {
  if (state.ended) return;
  state.ended = true;
  setState('closed');
  hotspots.clear();
  labels.show(null);
  vr.show({ metadata: { title: { und: message } } });  // in the headset too
  $('overlay-message').textContent = message;
  $('overlay').hidden = false;
  if (state.pc) state.pc.close();
  endSession(state.location);
  if (state.socket) state.socket.close();
}

function say(message) {
  const socket = state.socket;
  if (!socket || socket.readyState !== WebSocket.OPEN) return false;
  socket.send(JSON.stringify(message));
  return true;
}

function showNarration() {
  const box = $('narration');
  const text = state.narration ? pickText(state.narration, labels.language, labels.fallback) : '';
  box.textContent = text;
  box.hidden = !text;
}

function showHand() {
  const button = $('hand');
  button.setAttribute('aria-pressed', String(state.hand));
  button.dataset.i18n = state.hand ? 'lowerHand' : 'raiseHand';
  button.textContent = words(button.dataset.i18n);
}

function onRoomMessage(message) {
  switch (message.type) {
    case 'hello':
      state.you = message.you;
      labels.configure(message);
      hotspots.configure(message);
      $('tour-title').textContent = message.tour.title;
      document.title = `Museion — ${message.tour.title}`;
      chat.clear();
      (message.chat || []).forEach(chat.add);
      break;
    case 'hotspots': hotspots.update(message); break;
    case 'label':
      labels.show(message.label || null, message.hotspot ?? null);
      vr.show(message.label || null);
      break;
    case 'tour':
      state.narration = message.state === 'playing' || message.state === 'paused' ? message.narration : null;
      showNarration();
      vr.narrate(state.narration);
      break;
    case 'chat': chat.add(message); break;
    case 'hand': state.hand = Boolean(message.raised); showHand(); break;
    case 'followers':
      state.followers = message.count;
      $('followers').textContent = `${message.count} ${words('followers')}`;
      break;
    case 'ended':
      finish(message.code === 'DOCENT_LEFT' ? words('docentLeft') : message.message || words('tourEnded'));
      break;
    case 'error': toast(message.message || message.code); break;
    default: break;
  }
}

function joinRoom() {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const name = followerName();
  const url = `${scheme}://${window.location.host}/tours/${encodeURIComponent(tourId)}/room`
    + (name ? `?name=${encodeURIComponent(name)}` : '');
  const socket = new WebSocket(url);
  state.socket = socket;
  socket.addEventListener('message', (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch (err) { return; }
    if (message && typeof message === 'object') onRoomMessage(message);
  });
  socket.addEventListener('close', () => {
    if (state.ended || state.socket !== socket) return;
    setTimeout(() => { if (!state.ended) joinRoom(); }, RECONNECT_MS);  // a network blip
  });
}

async function watch() {
  const pc = new RTCPeerConnection({ iceServers: [] });
  state.pc = pc;
  receiveInto(pc, video);
  pc.addEventListener('connectionstatechange', () => {
    if (state.ended) return;
    const current = pc.connectionState;
    setState(current);
    if (current === 'failed' || current === 'closed') finish(words('tourEnded'));
  });
  const tick = () => {
    state.framesShown += 1;
    document.body.classList.add('playing');
    video.requestVideoFrameCallback(tick);
  };
  if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) video.requestVideoFrameCallback(tick);
  setState('signalling');
  try {
    const { location } = await negotiate(pc, { endpoint: at(`/whep/tour-${encodeURIComponent(tourId)}`) });
    state.location = location;
  } catch (err) {
    finish(err instanceof WhepError ? err.message : String(err));
  }
}

/** "Explore on my own" only while the gallery has a free place for this visitor. */
async function checkPlaces() {
  if (state.ended) return;
  try {
    const reply = await fetch(at('/healthz'), { cache: 'no-store' });
    const health = await reply.json();
    const free = health.places_in_use < health.max_sessions;
    const link = $('explore');
    link.setAttribute('aria-disabled', String(!free));
    link.dataset.i18n = free ? 'explore' : 'exploreFull';
    link.textContent = words(link.dataset.i18n);
  } catch (err) { /* asked again shortly */ }
}

/** The name this follower gave (``?name=``), kept for this tab across roaming. */
function followerName() {
  const given = new URLSearchParams(window.location.search).get('name');
  if (given) sessionStorage.setItem('museion.followerName', given);
  return given || sessionStorage.getItem('museion.followerName') || '';
}

/** Roaming keeps the visitor's language; the gallery page links back here. */
function exploreLink() {
  const query = new URLSearchParams({ tour: tourId, lang: labels.language });
  $('explore').href = at(`/?${query}`);
}

async function begin() {
  const reply = await fetch(at(`/tours/${encodeURIComponent(tourId)}`), { cache: 'no-store' }).catch(() => null);
  if (!reply || !reply.ok) {
    finish(words('tourGone'));
    return;
  }
  exploreLink();
  joinRoom();
  watch();
  checkPlaces();
  setInterval(checkPlaces, PLACES_MS);
}

labels.onLanguage((language) => {
  translatePage(language);
  exploreLink();
  setState(document.body.dataset.state);
  hotspots.refresh();
  showNarration();
  showHand();
  vr.refresh();
  $('followers').textContent = `${state.followers} ${words('followers')}`;
});
$('hand').addEventListener('click', () => {
  if (say({ type: 'hand', raised: !state.hand })) {
    state.hand = !state.hand;
    showHand();
  }
});
$('listen').addEventListener('click', () => {
  video.muted = !video.muted;
  if (!video.muted) video.play().catch(() => {});
  $('listen').setAttribute('aria-pressed', String(!video.muted));
  $('listen').dataset.i18n = video.muted ? 'listen' : 'mute';
  $('listen').textContent = words($('listen').dataset.i18n);
});
$('explore').addEventListener('click', (event) => {
  if ($('explore').getAttribute('aria-disabled') === 'true') event.preventDefault();
});
window.addEventListener('resize', () => hotspots.refresh());
window.addEventListener('pagehide', () => {
  state.ended = true;
  endSession(state.location, { keepalive: true });
  if (state.socket) state.socket.close();
});
begin();
