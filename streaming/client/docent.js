// The docent's side of the gallery page (/docent): the token asked once (kept for this
// tab), the microphone, and a panel with the followers' link, their count, raised hands
// and the chat.  Everything else is the visitor's page: the docent walks, orbits, opens
// labels and plays tours as any visitor does, and the followers see it.
import { at, pagePath } from '/static/base.js';
import { createChat } from '/static/chat.js';

const TOKEN_KEY = 'museion.docentToken';
const TITLE_KEY = 'museion.tourTitle';

export function createDocent({ panel, login, send, words }) {
  const active = pagePath === '/docent';
  const $ = (role) => panel.querySelector(`[data-role="${role}"]`);
  const state = { tour: null, followers: 0, hands: [], microphone: null };
  const chat = createChat({
    log: $('chat-log'), form: $('chat-form'), input: $('chat-input'), words,
    send: (text) => send({ type: 'chat', text }),
  });

  /** The token and title: from this tab's storage, or asked in the login dialog. */
  function credentials(problem = '') {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token && !problem) {
      return Promise.resolve({ token, title: sessionStorage.getItem(TITLE_KEY) || '' });
    }
    const form = login.querySelector('form');
    const message = login.querySelector('[data-role="problem"]');
    message.textContent = problem;
    message.hidden = !problem;
    login.hidden = false;
    form.elements.token.focus();
    return new Promise((resolve) => {
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const chosen = { token: form.elements.token.value.trim(), title: form.elements.title.value.trim() };
        if (!chosen.token) return;
        sessionStorage.setItem(TOKEN_KEY, chosen.token);
        sessionStorage.setItem(TITLE_KEY, chosen.title);
        login.hidden = true;
        resolve(chosen);
      }, { once: true });
    });
  }

  /** The docent's voice, or null when there is no microphone or it was refused. */
  async function microphone() {
    if (state.microphone && state.microphone.readyState === 'live') return state.microphone;
    try {
      const media = await navigator.mediaDevices.getUserMedia({ audio: true });
      state.microphone = media.getAudioTracks()[0] || null;
    } catch (err) {
      state.microphone = null;
    }
    const button = $('microphone');
    button.hidden = !state.microphone;
    return state.microphone;
  }

  function renderHands() {
    const list = $('hands');
    list.replaceChildren(...state.hands.map((hand) => {
      const item = document.createElement('li');
      item.dataset.follower = hand.follower;
      const name = document.createElement('span');
      name.textContent = `✋ ${hand.name}`;
      const lower = document.createElement('button');
      lower.type = 'button';
      lower.className = 'button';
      lower.textContent = words('lower');
      lower.addEventListener('click', () => send({ type: 'lower', follower: hand.follower }));
      item.append(name, lower);
      return item;
    }));
    $('hands-title').hidden = state.hands.length === 0;
  }

  function renderTour() {
    const tour = state.tour;
    panel.hidden = !tour;
    if (!tour) return;
    const link = new URL(at(tour.url), window.location.href).toString();
    $('title').textContent = tour.title;
    $('link').textContent = link;
    $('link').href = link;
    $('followers').textContent = `${state.followers} ${words('followers')}`;
  }

  /** A message of the docent's session that concerns the tour. */
  function update(message) {
    if (message.type === 'hello' && message.leading) {
      state.tour = message.leading;
      state.followers = message.leading.followers;
      renderTour();
    } else if (message.type === 'followers') {
      state.followers = message.count;
      renderTour();
    } else if (message.type === 'hands') {
      state.hands = Array.isArray(message.raised) ? message.raised : [];
      renderHands();
    } else if (message.type === 'chat') {
      chat.add(message);
    }
  }

  $('copy').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText($('link').href);
      $('copy').textContent = words('copied');
    } catch (err) { /* the link stays selectable */ }
  });
  $('microphone').addEventListener('click', () => {
    const track = state.microphone;
    if (!track) return;
    track.enabled = !track.enabled;
    $('microphone').setAttribute('aria-pressed', String(track.enabled));
  });

  return {
    active,
    credentials,
    microphone,
    update,
    forget() { sessionStorage.removeItem(TOKEN_KEY); },
    refresh() { renderTour(); renderHands(); },
    get tour() { return state.tour; },
    get hands() { return state.hands; },
  };
}

/** The gallery page's strip of running docent tours (a link to join each). */
export function listTours({ strip, words, every = 10000 }) {
  async function poll() {
    try {
      const reply = await fetch(at('/tours'), { cache: 'no-store' });
      const { tours } = await reply.json();
      const links = (Array.isArray(tours) ? tours : []).map((tour) => {
        const link = document.createElement('a');
        link.href = at(tour.url);
        link.textContent = `${tour.title} · ${tour.followers} ${words('followers')} · ${words('join')}`;
        return link;
      });
      const title = document.createElement('span');
      title.textContent = words('docentTours');
      strip.replaceChildren(title, ...links);
      strip.hidden = links.length === 0;
    } catch (err) { /* asked again shortly */ }
  }
  poll();
  return setInterval(poll, every);
}
