// The visitor page: one WebRTC session showing the server-rendered relic.
import { at } from '/static/base.js';
import { attachControls } from '/static/controls.js';
import { createHotspots, frameRect } from '/static/hotspots.js';
import { t, translatePage } from '/static/i18n.js';
import { createDocent, listTours } from '/static/docent.js';
import { createLabels } from '/static/label.js';
import { createModes } from '/static/modes.js';
import { toast as showToast } from '/static/toast.js';
import { createTours } from '/static/tours.js';
import { watchScreen } from '/static/screen.js';
import { createWaiting } from '/static/waiting.js';
import { WhepError, endSession, negotiate } from '/static/whep.js';
import { createFailover } from '/static/failover.js';
import { createXr } from '/static/xr.js';

const $ = (id) => document.getElementById(id);
const video = $('video');
const pill = $('state');
const overlay = $('overlay');

const NO_FRAME_MS = 10000;
const DISCONNECTED_MS = 5000;
const CONFIG_TIMEOUT_MS = 3000;
const DEFAULTS = { iceServers: [], width: 1280, height: 720, fps: 30 };

// Test and debugging hook; every field is kept current (pc and channel change on retry).
const museion = {
  pc: null,
  channel: null,
  sessionUrl: null,
  session: null,
  state: 'new',
  framesShown: 0,
  config: DEFAULTS,
  sendCommand,
  retry: () => start(),
};
window.museion = museion;

let seq = 0;
let generation = 0;
let noFrameTimer = 0;
let disconnectTimer = 0;
let overlayReason = null;
let docentProblem = '';

function setState(state) {
  museion.state = state;
  document.body.dataset.state = state;
  pill.dataset.state = state;
  pill.textContent = t(`state.${state}`, labels ? labels.language : 'en');
}

/** Send one view command (seq added); false when the channel is not open. */
function sendCommand(command) {
  const channel = museion.channel;
  if (!channel || channel.readyState !== 'open') return false;
  seq += 1;
  channel.send(JSON.stringify({ ...command, seq }));
  return true;
}

const toast = (text) => showToast($('toast'), text);

function showError(title, message, reason = 'fatal') {
  if (overlayReason === 'fatal' && reason !== 'fatal') return;  // keep the first real cause
  overlayReason = reason;
  $('overlay-title').textContent = title;
  $('overlay-message').textContent = message;
  document.body.classList.add('has-error');
  $('toast').hidden = true;
  const wasHidden = overlay.hidden;
  overlay.hidden = false;
  if (wasHidden) $('retry').focus();
}

function hideError() {
  overlayReason = null;
  overlay.hidden = true;
  document.body.classList.remove('has-error');
}

async function loadConfig() {
  try {
    const reply = await fetch(at('/config'), { cache: 'no-store', signal: AbortSignal.timeout(CONFIG_TIMEOUT_MS) });
    if (reply.ok) {
      const body = await reply.json();
      if (body && typeof body === 'object') return { ...DEFAULTS, ...body };
    }
  } catch (err) { /* the POST below reports an unreachable server */ }
  return DEFAULTS;
}

function clearTimers() {
  clearTimeout(noFrameTimer);
  clearTimeout(disconnectTimer);
  noFrameTimer = disconnectTimer = 0;
}

/**
 * Drop the current session: DELETE it on the server, then close the pc.  Resolves once the
 * server has answered (or 2 s passed), so its place is free before a new offer is made.
 */
async function teardown() {
  generation += 1;
  hotspots.clear();
  clearTimers();
  const { pc, sessionUrl } = museion;
  museion.pc = null;
  museion.channel = null;
  museion.sessionUrl = null;
  museion.session = null;
  video.srcObject = null;
  document.body.classList.remove('playing');
  // DELETE before closing: the server then ends the session on its own terms ("DELETE")
  // rather than noticing a closed transport first; events of the old pc are ignored.
  await endSession(sessionUrl);
  if (pc) pc.close();
}

function countFrames(mine) {
  if (!('requestVideoFrameCallback' in HTMLVideoElement.prototype)) {
    const onTime = () => {
      if (mine !== generation) { video.removeEventListener('timeupdate', onTime); return; }
      museion.framesShown += 1;
      document.body.classList.add('playing');
    };
    video.addEventListener('timeupdate', onTime);
    return;
  }
  const tick = () => {
    if (mine !== generation) return;
    museion.framesShown += 1;
    document.body.classList.add('playing');
    video.requestVideoFrameCallback(tick);
  };
  video.requestVideoFrameCallback(tick);
}

function watchConnection(pc, mine) {
  pc.addEventListener('connectionstatechange', () => {
    if (mine !== generation) return;
    const state = pc.connectionState;
    setState(state);
    clearTimeout(disconnectTimer);
    if (state === 'connected') {
      if (overlayReason === 'disconnected') hideError();
      if (!noFrameTimer) {
        noFrameTimer = setTimeout(() => {
          if (mine === generation && museion.framesShown === 0) {
            showError('No picture', 'The connection is up, but no video has arrived in 10 seconds. '
              + 'Retry, or ask the museum staff to check the server.');
          }
        }, NO_FRAME_MS);
      }
    } else if (state === 'disconnected') {
      disconnectTimer = setTimeout(() => {
        if (mine === generation && pc.connectionState === 'disconnected') {
          showError('Connection interrupted',
            'The gallery has not answered for 5 seconds. Check your network, or retry.', 'disconnected');
        }
      }, DISCONNECTED_MS);
    } else if (state === 'failed') {
      failover.lost('Connection lost', 'The connection to the gallery failed. The server may have stopped.');
    } else if (state === 'closed') {
      failover.lost('Connection closed', 'The gallery closed the session.');
    }
  });
}

function openChannel(pc, mine) {
  const channel = pc.createDataChannel('view', { ordered: true });
  channel.addEventListener('message', (event) => {
    if (typeof event.data !== 'string') return;
    let message;
    try { message = JSON.parse(event.data); } catch (err) { return; }
    if (!message || typeof message !== 'object') return;
    if (['error', 'picked', 'tour'].includes(message.type) && xr.session) xr.update(message);
    if (message.type === 'error') {
      console.warn('museion: server refused command', message.seq ?? '-', message.code, message.message);
      if (message.message) toast(message.message);
    } else if (message.type === 'mode') {
      modes.update(message);
    } else if (message.type === 'tour') {
      tours.update(message);
    } else if (message.type === 'hotspots') {
      hotspots.update(message);
    } else if (message.type === 'stereo' || message.type === 'xr_place') {
      xr.update(message);
    } else if (message.type === 'picked') {
      labels.show(message.exhibit && message.label ? message.label : null, message.hotspot ?? null);
    } else if (['followers', 'hands', 'chat'].includes(message.type)) {
      docent.update(message);
    } else if (message.type === 'where') {
      museion.where = message;  // kept: replayed on another node if this one is lost
    } else if (message.type === 'hello') {
      museion.hello = message;  // what this exhibition's version told the page (tests, debugging)
      docent.update(message);
      labels.configure(message);
      sendCommand({ type: 'language', lang: labels.language });  // a visible mark speaks it
      hotspots.configure(message);
      tours.configure(message);
      museion.session = message.session ?? null;
      if (message.width && message.height) {
        video.width = message.width;
        video.height = message.height;
      }
      stageShape.tell();  // the stream takes the shape of the picture's place
      if (museion.resumeWith) {  // a new node after a lost one: carry on where we were
        sendCommand({ ...museion.resumeWith, type: 'resume' });
        museion.resumeWith = null;
      }
    }
  });
  channel.addEventListener('close', () => {
    // The server ends sessions by closing the channel (shutdown, idle, DELETE elsewhere).
    if (mine === generation && museion.state === 'connected') {
      setState('closed');
      failover.lost('Connection lost', 'The gallery ended the session. The server may have stopped.');
    }
  });
  return channel;
}

function describeFailure(err) {
  if (err instanceof WhepError && err.status === 503) {
    const seconds = err.retryAfter;
    const mentioned = seconds !== null && err.message.includes(String(seconds));
    const wait = seconds !== null && !mentioned ? ` Please try again in ${seconds} seconds.` : '';
    return ['The gallery is full', err.message + wait];
  }
  if (err instanceof WhepError && err.status === 0) {
    return ['Cannot reach the gallery', err.message];
  }
  if (err instanceof WhepError) return ['Cannot start the stream', err.message];
  return ['Cannot start the stream', `This browser could not set up the stream (${err && err.message || err}).`];
}

/**
 * Open a session; `pass` is the waiting room's, when the visitor's turn has come.  Resolves
 * true once the gallery answered; `quiet` (a failover's attempt) reports no failure, which
 * the failover retries.
 */
async function start(pass = null, quiet = false) {
  waiting.leave();
  const previous = teardown();
  const mine = generation;
  hideError();
  museion.framesShown = 0;
  setState('signalling');
  await previous;  // free the old place first: the gallery may have room for one visitor only
  if (mine !== generation) return;
  const config = await loadConfig();
  if (mine !== generation) return;
  museion.config = config;
  video.width = config.width;
  video.height = config.height;

  // A docent's session carries their token (asked once) and microphone.
  let credentials = null;
  if (docent.active) {
    credentials = await docent.credentials(docentProblem);
    docentProblem = '';
    if (mine !== generation) return;
  }
  const microphone = credentials ? await docent.microphone() : null;
  if (mine !== generation) return;

  let pc;
  try {
    pc = new RTCPeerConnection({ iceServers: Array.isArray(config.iceServers) ? config.iceServers : [] });
  } catch (err) {
    setState('failed');
    showError(...describeFailure(err));
    return false;
  }
  museion.pc = pc;
  pc.addTransceiver('video', { direction: 'recvonly' });
  if (microphone) pc.addTransceiver(microphone, { direction: 'sendonly' });
  museion.channel = openChannel(pc, mine);
  pc.addEventListener('track', (event) => {
    if (mine !== generation) return;
    video.srcObject = event.streams[0] || new MediaStream([event.track]);
    video.play().catch(() => {});
  });
  watchConnection(pc, mine);
  countFrames(mine);
  try {
    // ?exhibit=ID opens the gallery orbiting that relic (a link to share one object).
    const query = new URLSearchParams();
    const exhibit = new URLSearchParams(window.location.search).get('exhibit');
    if (exhibit) query.set('exhibit', exhibit);
    const headers = {};
    if (pass) headers['X-Museion-Pass'] = pass;
    if (credentials) {
      query.set('docent', '');
      query.set('title', credentials.title);
      headers.Authorization = `Bearer ${credentials.token}`;
    }
    const endpoint = at(query.size ? `/whep?${query}` : '/whep');
    const { location } = await negotiate(pc, { endpoint, headers });
    if (mine !== generation) { endSession(location); return false; }
    museion.sessionUrl = location;
    if (pc.connectionState === 'new') setState('connecting');
    return true;
  } catch (err) {
    if (mine !== generation) return false;
    pc.close();
    if (err instanceof WhepError && err.status === 503 && typeof err.details.queue === 'string'
        && !credentials) {
      setState('waiting');  // the gallery is busy: wait for a turn, no reload needed
      waiting.wait(err.details.queue);
      return true;
    }
    if (quiet) return false;
    console.warn('museion: signalling failed', err);
    setState('failed');
    if (credentials && err instanceof WhepError && (err.status === 401 || err.status === 403)) {
      docent.forget();
      docentProblem = err.message;  // asked again, with the reason, on retry
    }
    showError(...describeFailure(err));
  }
}

/** A click on the picture, as fractions of the video frame; a click beside it closes the label. */
function pickAt(clientX, clientY) {
  const frame = frameRect(video);
  const x = (clientX - frame.left) / frame.width;
  const y = (clientY - frame.top) / frame.height;
  if (x < 0 || x > 1 || y < 0 || y > 1) {
    labels.show(null);
    return;
  }
  sendCommand({ type: 'pick', x: Math.round(x * 1e4) / 1e4, y: Math.round(y * 1e4) / 1e4 });
}

const labels = createLabels({ panel: $('label'), menu: $('languages'), heading: $('exhibition') });
const hotspots = createHotspots({
  layer: $('stage'),
  video,
  labels,
  onOpen: (x, y) => sendCommand({ type: 'pick', x: Number(x), y: Number(y) }),
});
const tours = createTours({ bar: $('tours'), labels, send: sendCommand });
const modes = createModes({ group: $('modes'), labels, send: sendCommand });
labels.onLanguage((language) => {
  translatePage(language);
  sendCommand({ type: 'language', lang: language });
  setState(museion.state);
  hotspots.refresh();
  tours.refresh();
  modes.refresh();
  docent.refresh();
  waiting.refresh();
  xr.refresh();
});
labels.onCloser((exhibit) => sendCommand({ type: 'mode', mode: 'orbit', exhibit }));
const waiting = createWaiting({
  panel: $('waiting'),
  words: (key) => t(key, labels.language),
  onAdmitted: (pass) => start(pass),
  onLost: () => showError(t('queueTitle', labels.language),
    'The connection to the queue was lost. Retry to join it again.'),
});
museion.waiting = waiting;
const docent = createDocent({
  panel: $('docent'), login: $('docent-login'), send: sendCommand, words: (key) => t(key, labels.language),
});
museion.docent = docent;
const xr = createXr({
  button: $('enter-vr'), video, peer: () => museion.pc, send: sendCommand, words: (key) => t(key, labels.language), toast,
  language: () => [labels.language, labels.fallback],
  step: () => tours.step(),
  allowed: () => !docent.active,  // a docent's view goes to followers flat
});
museion.xr = xr;
const failover = createFailover({
  video,
  playing: () => museion.state === 'connected' && museion.framesShown > 0,
  reconnect: () => {
    museion.resumeWith = museion.where ?? null;
    return start(null, true);
  },
  giveUp: (title, message) => { setState('failed'); showError(title, message); },
});
museion.failover = failover;
// The docent closing the label closes it on the followers' pages too.
labels.onShow((label) => { if (docent.tour && !label) sendCommand({ type: 'unshare' }); });
if (!docent.active) listTours({ strip: $('docent-tours'), words: (key) => t(key, labels.language) });
// A tour's follower roaming alone (?tour=ID) can go back to it, in the language they use.
const returnTo = new URLSearchParams(window.location.search).get('tour');
if (returnTo) {
  const back = () => { $('back-to-tour').href = at(`/tour/${encodeURIComponent(returnTo)}?lang=${labels.language}`); };
  labels.onLanguage(back);
  back();
  $('back-to-tour').hidden = false;
}
window.addEventListener('resize', () => hotspots.refresh());
// The stream's size changes mid-stream (its quality ladder, the screen's shape).
video.addEventListener('resize', () => hotspots.refresh());
const stageShape = watchScreen({ area: $('stage'), send: sendCommand });
museion.labels = labels;
museion.hotspots = hotspots;
museion.frameRect = () => frameRect(video);
museion.modes = modes;
museion.tours = tours;
attachControls($('stage'), sendCommand, {
  onTap: pickAt,
  mode: () => modes.mode,
  canWalk: () => modes.canWalk,
});
$('reset').addEventListener('click', () => sendCommand({ type: 'reset' }));
$('retry').addEventListener('click', () => start());
window.addEventListener('pagehide', () => {
  waiting.leave();
  endSession(museion.sessionUrl, { keepalive: true });
  museion.sessionUrl = null;
});
window.addEventListener('pageshow', (event) => { if (event.persisted) start(); });
start();
