// The waiting room as the gallery page shows it: "You are #3 · about 2 min", kept current
// over a WebSocket, what to do meanwhile (a docent tour), and the pass that lets the page
// in when its turn comes, without a reload.

import { at } from '/static/base.js';

/** Seconds as the words a visitor reads: "less than a minute", "about 3 min". */
export function waitWords(seconds, words) {
  if (seconds < 60) return words('lessThanMinute');
  return words('aboutMinutes').replace('{n}', String(Math.round(seconds / 60)));
}

export function createWaiting({ panel, words, onAdmitted, onLost }) {
  const $ = (role) => panel.querySelector(`[data-role="${role}"]`);
  const state = { socket: null, position: null, estimate: null, waiting: false };

  function render() {
    if (state.position === null) {
      $('position').textContent = words('joiningQueue');
      return;
    }
    $('position').textContent = words('queuePosition').replace('{n}', String(state.position))
      + ' · ' + waitWords(state.estimate, words);
  }

  /** The running docent tours and live shows: each can be joined at once, no place needed. */
  async function meanwhile() {
    const listed = async (url, key) => {
      try {
        const body = await (await fetch(url, { cache: 'no-store' })).json();
        return Array.isArray(body[key]) ? body[key] : [];
      } catch (err) { return []; }
    };
    const [tours, shows] = await Promise.all([listed(at('/tours'), 'tours'), listed(at('/live'), 'shows')]);
    const links = [...tours.map((tour) => [tour.url, tour.title]),
      ...shows.map((show) => [show.url, `${words('liveShow')}: ${show.stream}`])].map(([url, text]) => {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = at(url);
      link.textContent = text;
      item.append(link);
      return item;
    });
    $('meanwhile').replaceChildren(...links);
    $('meanwhile-title').hidden = links.length === 0;
  }

  /** Wait in the queue at `path` (what the full gallery's 503 named). */
  function wait(path) {
    leave();
    state.waiting = true;
    state.position = null;
    render();
    panel.hidden = false;
    meanwhile();
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${window.location.host}${at(path)}`);
    state.socket = socket;
    let admitted = false;
    socket.addEventListener('message', (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (err) { return; }
      if (!message || typeof message !== 'object') return;
      if (message.type === 'queue') {
        state.position = message.position;
        state.estimate = message.estimate;
        render();
      } else if (message.type === 'admitted' && typeof message.pass === 'string') {
        admitted = true;
        state.waiting = false;
        panel.hidden = true;
        onAdmitted(message.pass);
      }
    });
    socket.addEventListener('close', () => {
      if (state.socket !== socket) return;
      state.socket = null;
      if (!admitted && state.waiting) {
        state.waiting = false;
        panel.hidden = true;
        onLost();
      }
    });
  }

  /** Leave the queue (the page closes, or the visitor gives up). */
  function leave() {
    state.waiting = false;
    panel.hidden = true;
    const socket = state.socket;
    state.socket = null;
    if (socket) socket.close();
  }

  $('leave').addEventListener('click', leave);
  return { wait, leave, refresh: render, get state() { return { ...state, socket: undefined }; } };
}
