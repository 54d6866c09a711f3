// Where this page's exhibition lives: '' on a one-exhibition server, '/e/<id>' in a hall
// (museion serve DIR).  Every path the page asks for or links to goes through at().
const match = window.location.pathname.match(/^\/e\/[a-z0-9][a-z0-9-]*/);

export const BASE = match ? match[0] : '';

/** ``path`` (root-relative, as the server names things) inside this page's exhibition. */
export function at(path) {
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) return path;
  if (BASE && (path === BASE || path.startsWith(`${BASE}/`))) return path;
  return `${BASE}${path}`;
}

/** This page's path inside its exhibition ('/docent', '/tour/x'). */
export const pagePath = window.location.pathname.slice(BASE.length) || '/';
