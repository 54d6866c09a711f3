// The live-show page: WHEP to /whep/<stream>, the publisher's own frames, and the controls
// a viewer expects (play, volume, full screen), the picture's quality and who is watching.
// A show sent in simulcast layers gets a Quality choice (Auto, High, Medium, Low): a POST
// of {"layer": rid} to the viewer's resource, as any WHEP client may send.
import { at, pagePath } from '/static/base.js';
import { WhepError, endSession, negotiate, receiveInto } from './whep.js';

const stream = decodeURIComponent(pagePath.split('/').filter(Boolean)[1] || '');
const $ = (id) => document.getElementById(id);
const video = $('video');
const state = { location: null, pc: null, ended: false, lastBytes: 0, lastAt: 0, status: null,
  decoded: 0, decodedAt: 0, packets: 0, packetsAt: 0, recovering: false, recoveries: 0 };
const UNDECODED_MS = 8000;
const SILENT_MS = 3000;  // no packet for this long: the node serving us is gone
const ATTEMPTS_MS = [0, 1000, 2000, 3000, 4000];
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

function end(text, name = 'ended') {
  if (state.ended) return;
  state.ended = true;
  setState(name, name === 'ended' ? 'ended' : 'cannot play');
  say(text);
  if (state.pc) state.pc.close();
  endSession(state.location);
}

/** Watch the show: a new session (the first, or after the node serving us was lost).
 * Resolves true once the relay answered. */
async function connect() {
  const pc = new RTCPeerConnection({ iceServers: [] });
  const previous = state.pc;
  state.pc = pc;
  state.packets = 0;
  state.packetsAt = 0;
  state.decoded = 0;
  state.decodedAt = 0;
  if (previous) previous.close();
  receiveInto(pc, video);
  pc.addEventListener('connectionstatechange', () => {
    if (pc !== state.pc) return;
    if (pc.connectionState === 'connected') setState('live', 'live');
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed') recover();
  });
  try {
    const { location } = await negotiate(pc, { endpoint: at(`/whep/${encodeURIComponent(stream)}`) });
    state.location = location;
    return true;
  } catch (err) {
    if (!state.recovering) {
      setState('error', 'not live');
      say(err instanceof WhepError ? err.message : String(err));
    }
    return false;
  }
}

/** The node serving us went away (through a cluster's door, another serves the show):
 * watch again, a few times over about 10 s, before saying the connection was lost. */
async function recover() {
  if (state.recovering || state.ended) return;
  state.recovering = true;
  setState('connecting', 'reconnecting');
  endSession(state.location);
  for (const wait of ATTEMPTS_MS) {
    await new Promise((resolve) => { setTimeout(resolve, wait); });
    if (state.ended) break;
    if (await connect()) {
      state.recoveries += 1;
      state.recovering = false;
      return;
    }
  }
  state.recovering = false;
  end('The show has ended, or the connection was lost.');
}

async function watch() {
  $('stream').textContent = stream;
  setState('connecting', 'connecting');
  if (!await connect()) return;
  window.addEventListener('pagehide', () => endSession(state.location, { keepalive: true }));
  setInterval(poll, 1000);
}

/** Viewer count and the end of the show from the server; quality from the browser's stats. */
async function poll() {
  if (state.ended) return;
  try {
    const reply = await fetch(at(`/live/${encodeURIComponent(stream)}/status`), { cache: 'no-store' });
    const status = await reply.json();
    state.status = status;
    $('viewers').textContent = `${status.viewers} watching`;
    showLayers(status.layers || []);
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
    // No packet for a few seconds: the node serving us is gone; watch elsewhere.
    const packets = report.packetsReceived || 0;
    if (packets > state.packets || !state.packetsAt) {
      state.packets = packets;
      state.packetsAt = now;
    } else if (now - state.packetsAt > SILENT_MS && !state.recovering) {
      recover();
      return;
    }
    // Packets keep coming but no picture is decoded: this browser cannot show this one
    // (8K, say). Say so plainly and stop the stream rather than show a black box.
    const decoded = report.framesDecoded || 0;
    if (decoded > state.decoded || !report.packetsReceived) {
      state.decoded = decoded;
      state.decodedAt = now;
    } else if (!state.decodedAt) {
      state.decodedAt = now;
    } else if (now - state.decodedAt > UNDECODED_MS) {
      end(`This browser cannot decode this show (${describe(state.status)}). `
        + 'Try a browser or device that plays it.', 'undecodable');
    }
  }
}

const NAMES = { 1: ['High'], 2: ['High', 'Low'], 3: ['High', 'Medium', 'Low'] };

/** The Quality choice, once the show says which layers it sends (best first). */
function showLayers(layers) {
  const key = layers.map((l) => `${l.rid}:${l.width}x${l.height}`).join(',');
  if (key === state.layersKey) return;
  state.layersKey = key;
  const select = $('layer');
  const chosen = select.value;
  const names = NAMES[layers.length] || [];
  select.replaceChildren(new Option('Auto', 'auto'));
  layers.forEach((layer, index) => {
    const size = layer.width ? ` (${layer.width}×${layer.height})` : '';
    select.append(new Option(`${names[index] || layer.rid}${size}`, layer.rid));
  });
  select.value = [...select.options].some((o) => o.value === chosen) ? chosen : 'auto';
  $('layers').hidden = layers.length < 2;
}

async function chooseLayer(layer) {
  if (!state.location) return;
  try {
    const reply = await fetch(`${state.location}/layer`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ layer }),
    });
    if (!reply.ok) say((await reply.json()).message || 'That quality is not available.');
    else say('');
  } catch (err) { say('The quality could not be changed; try again.'); }
}

/** "H.264 High, level 6: 8K" from the status; what the page knows of the picture. */
function describe(status) {
  if (!status || !status.codec) return 'its video format';
  const codec = status.codec === 'H264' ? 'H.264' : status.codec;
  const profile = status.profile ? ` ${status.profile}` : '';
  const level = status.level ? `, level ${status.level}` : '';
  const size = status.level && Number(status.level) >= 6 ? ': 8K' : '';
  return `${codec}${profile}${level}${size}`;
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
$('layer').addEventListener('change', (event) => chooseLayer(event.target.value));
$('volume').addEventListener('input', (event) => { video.volume = Number(event.target.value); });
$('fullscreen').addEventListener('click', () => {
  if (document.fullscreenElement) document.exitFullscreen(); else $('stage').requestFullscreen();
});

watch();
