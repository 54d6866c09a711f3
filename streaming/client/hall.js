// The hall's index: every published exhibition of this server, each a link to its gallery
// (/e/<id>/), titled in the visitor's language.
import { t, translatePage } from '/static/i18n.js';
import { pickText } from '/static/label.js';

const $ = (id) => document.getElementById(id);

function preferred() {
  const asked = new URLSearchParams(window.location.search).get('lang');
  const chosen = asked || localStorage.getItem('museion.language') || navigator.language || 'en';
  return chosen.split('-')[0] === 'zh' ? 'zh' : 'en';
}

function show(listed, language) {
  const items = listed.map((exhibition) => {
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = `${exhibition.url}?lang=${language}`;
    link.textContent = pickText(exhibition.title, language, exhibition.default_language);
    const count = document.createElement('span');
    count.className = 'count';
    const noun = exhibition.exhibits === 1 ? 'exhibitCount' : 'exhibitsCount';
    count.textContent = ` · ${exhibition.exhibits} ${t(noun, language)}`;
    item.append(link, count);
    return item;
  });
  $('exhibitions').replaceChildren(...items);
  $('message').hidden = items.length > 0;
  $('message').textContent = t('hallEmpty', language);
}

async function main() {
  let language = preferred();
  $('language').value = language;
  document.documentElement.lang = language;
  translatePage(language);
  let listed = [];
  try {
    const reply = await fetch('/exhibitions', { cache: 'no-store' });
    listed = (await reply.json()).exhibitions || [];
  } catch (err) {
    $('message').hidden = false;
    $('message').textContent = t('stopped', language);
    return;
  }
  show(listed, language);
  $('language').addEventListener('change', () => {
    language = $('language').value;
    localStorage.setItem('museion.language', language);
    document.documentElement.lang = language;
    translatePage(language);
    show(listed, language);
  });
}

main();
