// A tour's chat as the pages show it: every line is plain text (textContent, never HTML),
// so nothing one visitor types can run in another's page.

/**
 * The chat log in `log` (a list) and the form that sends a line through `send(text)`;
 * `words(key)` gives the page's own words in the current language.
 */
export function createChat({ log, form, input, send, words, limit = 200 }) {
  const seen = new Set();

  function add(line) {
    if (!line || seen.has(line.id)) return;
    seen.add(line.id);
    const item = document.createElement('li');
    item.className = line.docent ? 'chat-line docent' : 'chat-line';
    item.dataset.id = String(line.id);
    const who = document.createElement('strong');
    who.textContent = line.docent ? words('docent') : String(line.from ?? '');
    const text = document.createElement('span');
    text.className = 'chat-text';
    text.textContent = String(line.text ?? '');
    item.append(who, document.createTextNode(' '), text);
    log.append(item);
    while (log.children.length > limit) log.firstElementChild.remove();
    log.scrollTop = log.scrollHeight;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (send(text)) input.value = '';
  });

  return { add, clear() { seen.clear(); log.replaceChildren(); } };
}
