// The visitor page: one WebRTC session showing the server-rendered relic.
import { attachControls } from '/static/controls.js';
import { WhepError, endSession, negotiate } from '/static/whep.js';

const $ = (id) => document.getElementById(id);
const video = $('video');
const pill = $('state');
const overlay = $('overlay');

const NO_FRAME_MS = 10000;
const DISCONNECTED_MS = 5000;

const museion = {
  pc: null,
  channel: null,
  sessionUrl: null,
  state: 'new',
  framesShown: 0,
  sendCommand,
  retry: () => start(),
};
window.museion = museion;

let seq = 0;
let generation = 0;
let timers = [];

function setState(state) {
  museion.state = state;
  document.body.dataset.state = state;
  pill.dataset.state = state;
  pill.textContent = state;
}

function sendCommand(command) {
  const channel = museion.channel;
  if (!channel || channel.readyState !== 'open') return false;
  seq += 1;
  channel.send(JSON.stringify({ ...command, seq }));
  return true;
}

function toast(text) {
  const box = $('toast');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 3000);
}

function showError(title, message) {
  $('overlay-title').textContent = title;
  $('overlay-message').textContent = message;
  overlay.hidden = false;
  $('retry').focus();
}

function later(ms, fn) {
  timers.push(setTimeout(fn, ms));
}

async function loadConfig() {
  try {
    const reply = await fetch('/config', { cache: 'no-store' });
    if (reply.ok) return await reply.json();
  } catch (err) { /* the POST below reports an unreachable server */ }
  return { iceServers: [] };
}

function teardown() {
  generation += 1;
  timers.forEach(clearTimeout);
  timers = [];
  if (museion.pc) museion.pc.close();
  endSession(museion.sessionUrl);
  museion.pc = null;
  museion.channel = null;
  museion.sessionUrl = null;
}

function countFrames(mine) {
  if (!('requestVideoFrameCallback' in HTMLVideoElement.prototype)) {
    video.addEventListener('timeupdate', () => { museion.framesShown += 1; });
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
    if (state === 'connected') {
      const shownAtConnect = museion.framesShown;
      later(NO_FRAME_MS, () => {
        if (museion.framesShown === shownAtConnect) {
          showError('No picture', 'Connected, but no video arrived. Retry, or check the server.');
        }
      });
    } else if (state === 'failed') {
      showError('Connection lost', 'The connection to the gallery failed. The server may have stopped.');
    } else if (state === 'disconnected') {
      later(DISCONNECTED_MS, () => {
        if (pc.connectionState === 'disconnected') {
          showError('Connection lost', 'The gallery has not answered for 5 seconds.');
        }
      });
    }
  });
}

function openChannel(pc) {
  const channel = pc.createDataChannel('view', { ordered: true });
  channel.addEventListener('message', (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch (err) { return; }
    if (message.type === 'error') {
      console.warn('museion:', message.code, message.message);
      toast(message.message);
    } else if (message.type === 'hello') {
      museion.session = message.session;
    }
  });
  channel.addEventListener('close', () => {
    if (museion.channel === channel && museion.state === 'connected') {
      showError('Connection lost', 'The gallery closed the session.');
    }
  });
  return channel;
}

async function start() {
  teardown();
  const mine = generation;
  overlay.hidden = true;
  document.body.classList.remove('playing');
  setState('signalling');
  const config = await loadConfig();
  const pc = new RTCPeerConnection({ iceServers: config.iceServers || [] });
  museion.pc = pc;
  pc.addTransceiver('video', { direction: 'recvonly' });
  museion.channel = openChannel(pc);
  pc.addEventListener('track', (event) => {
    video.srcObject = event.streams[0] || new MediaStream([event.track]);
    video.play().catch(() => {});
  });
  watchConnection(pc, mine);
  countFrames(mine);
  try {
    const { location } = await negotiate(pc);
    if (mine !== generation) { endSession(location); return; }
    museion.sessionUrl = location;
    setState(pc.connectionState === 'new' ? 'connecting' : pc.connectionState);
  } catch (err) {
    if (mine !== generation) return;
    setState('failed');
    if (err instanceof WhepError && err.status === 503) {
      const wait = err.retryAfter ? ` Try again in about ${err.retryAfter} seconds.` : '';
      showError('The gallery is full', err.message + wait);
    } else if (err instanceof WhepError) {
      showError('Cannot start the stream', err.message);
    } else {
      showError('Cannot start the stream', String(err.message || err));
    }
  }
}

attachControls($('stage'), sendCommand);
$('reset').addEventListener('click', () => sendCommand({ type: 'reset' }));
$('retry').addEventListener('click', () => start());
window.addEventListener('pagehide', () => endSession(museion.sessionUrl, { keepalive: true }));
start();
