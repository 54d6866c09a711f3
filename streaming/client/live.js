// The live-show page: WHEP to /whep/<stream>, the publisher's own frames, and the controls
// a viewer expects (play, volume, full screen), the picture's quality and who is watching.
import { WhepError, endSession, negotiate } from './whep.js';

const stream = decodeURIComponent(window.location.pathname.split('/').filter(Boolean)[1] || '');
const $ = (id) => document.getElementById(id);
const video = $('video');
const state = { location: null, pc: null, ended: false, lastBytes: 0, lastAt: 0 };
window.museion = state;

function setState(name, text) {
  document.body.dataset.state = name;
  $('state').dataset.state = name;
  $('state').textContent = text || name;
}

function say(text) {
  $('message').textContent = text;
  $('message').hidden = !text;
}

function end(text) {
  if (state.ended) return;
  state.ended = true;
  setState('ended', 'ended');
  say(text);
  if (state.pc) state.pc.close();
  endSession(state.location);
}

async function watch() {
  $('stream').textContent = stream;
  setState('connecting', 'connecting');
  const pc = new RTCPeerConnection({ iceServers: [] });
  state.pc = pc;
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  // The stream is attached with its first track: an empty one would hold the page's load
  // event (a media element delays it until it has something to load) when the show is off.
  const media = new MediaStream();
  pc.addEventListener('track', (event) => {
    media.addTrack(event.track);
    if (video.srcObject !== media) video.srcObject = media;
  });
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'connected') setState('live', 'live');
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed') {
      end('The show has ended, or the connection was lost.');
    }
  });
  try {
    const { location } = await negotiate(pc, { endpoint: `/whep/${encodeURIComponent(stream)}` });
    state.location = location;
  } catch (err) {
    setState('error', 'not live');
    say(err instanceof WhepError ? err.message : String(err));
    return;
  }
  window.addEventListener('pagehide', () => endSession(state.location, { keepalive: true }));
  setInterval(poll, 1000);
}

/** Viewer count and the end of the show from the server; quality from the browser's stats. */
async function poll() {
  if (state.ended) return;
  try {
    const reply = await fetch(`/live/${encodeURIComponent(stream)}/status`, { cache: 'no-store' });
    const status = await reply.json();
    $('viewers').textContent = `${status.viewers} watching`;
    if (!status.live) { end('The show has ended. Thank you for watching.'); return; }
  } catch (err) { /* a missed poll is retried in a second */ }
  const stats = await state.pc.getStats();
  for (const report of stats.values()) {
    if (report.type !== 'inbound-rtp' || report.kind !== 'video') continue;
    state.inbound = report;
    const now = report.timestamp;
    const kbps = state.lastAt ? (8 * (report.bytesReceived - state.lastBytes)) / (now - state.lastAt) : 0;
    state.lastBytes = report.bytesReceived;
    state.lastAt = now;
    if (report.frameWidth) {
      $('quality').textContent = `${report.frameWidth}×${report.frameHeight} · `
        + `${Math.round(report.framesPerSecond || 0)} fps · ${(kbps / 1000).toFixed(1)} Mbps`;
    }
    // Frames arrive but none is decoded: this browser cannot show this picture (8K, say).
    if (report.framesReceived > 60 && !report.framesDecoded) {
      say('This browser cannot decode the show at this size. Try another browser or device.');
    }
  }
}

$('play').addEventListener('click', () => {
  if (video.paused) { video.play(); $('play').textContent = 'Pause'; } else { video.pause(); $('play').textContent = 'Play'; }
  $('play').setAttribute('aria-pressed', String(!video.paused));
});
$('mute').addEventListener('click', () => {
  video.muted = !video.muted;
  $('mute').textContent = video.muted ? 'Unmute' : 'Mute';
  $('mute').setAttribute('aria-pressed', String(video.muted));
});
$('volume').addEventListener('input', (event) => { video.volume = Number(event.target.value); });
$('fullscreen').addEventListener('click', () => {
  if (document.fullscreenElement) document.exitFullscreen(); else $('stage').requestFullscreen();
});

watch();
