// The studio's HTTP calls: one place that adds the CSRF header, sends JSON and turns a
// refusal's JSON {code, message, issues, current_etag} into an ApiError the page can show.

let csrf = '';

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `The server refused (HTTP ${status}).`);
    this.name = 'ApiError';
    this.status = status;
    this.code = (body && body.code) || `HTTP_${status}`;
    this.issues = (body && Array.isArray(body.issues)) ? body.issues : [];
    this.pointer = body ? body.pointer ?? null : null;
    this.currentEtag = body ? body.current_etag ?? null : null;
  }

  /** The message and, for a refused document, each issue's pointer and message. */
  describe() {
    const lines = this.issues.filter((i) => !this.message.includes(i.message))
      .map((i) => `${i.pointer || '/'}: ${i.message}`);
    return [this.message, ...lines].join('\n');
  }
}

/** The CSRF token every non-GET request carries (from the session or the login). */
export function setCsrf(token) { csrf = token || ''; }
export function csrfHeader() { return csrf ? { 'X-CSRF-Token': csrf } : {}; }

/**
 * Fetch `path`; `body` (an object) is sent as JSON, `raw` as bytes.  Resolves with
 * {status, headers, body}; a non-2xx status throws ApiError with the server's message.
 */
export async function call(method, path, { body, raw, headers = {}, type } = {}) {
  const options = { method, headers: { ...headers }, cache: 'no-store', credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'HEAD') Object.assign(options.headers, csrfHeader());
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  } else if (raw !== undefined) {
    options.headers['Content-Type'] = type || 'application/octet-stream';
    options.body = raw;
  }
  let reply;
  try {
    reply = await fetch(path, options);
  } catch (err) {
    throw new ApiError(0, { code: 'NETWORK', message: 'The server cannot be reached. Check the network and try again.' });
  }
  let data = null;
  if (reply.status !== 204) {
    const text = await reply.text();
    try { data = text ? JSON.parse(text) : null; } catch (err) { data = text; }
  }
  if (!reply.ok) throw new ApiError(reply.status, data && typeof data === 'object' ? data : null);
  return { status: reply.status, headers: reply.headers, body: data };
}

export const api = {
  session: () => call('GET', '/studio/session'),
  login: (name, password) => call('POST', '/studio/login', { body: { name, password } }),
  logout: () => call('POST', '/studio/logout'),
  exhibitions: () => call('GET', '/api/exhibitions'),
  create: (id, title, language) => call('POST', '/api/exhibitions',
    { body: { id, title: { [language]: title }, default_language: language } }),
  draft: (id) => call('GET', `/api/exhibitions/${id}/draft`),
  save: (id, document, etag) => call('PUT', `/api/exhibitions/${id}/draft`,
    { body: document, headers: { 'If-Match': `"${etag}"` } }),
  publish: (id) => call('POST', `/api/exhibitions/${id}/publish`),
  restore: (id, version) => call('POST', `/api/exhibitions/${id}/restore`, { body: { version } }),
  versions: (id) => call('GET', `/api/exhibitions/${id}/versions`),
  diff: (id, from, to) => call('GET', `/api/exhibitions/${id}/diff?${new URLSearchParams({ from, to })}`),
  audit: (id) => call('GET', `/api/exhibitions/${id}/audit`),
  upload: (id, name, bytes) => call('POST', `/api/exhibitions/${id}/models?${new URLSearchParams({ name })}`,
    { raw: bytes, type: 'application/octet-stream' }),
  job: (url) => call('GET', url),
  model: (id, asset) => call('GET', `/api/exhibitions/${id}/models/${encodeURIComponent(asset)}`),
};

/** An ETag header without its quotes (and W/), as the API compares them. */
export function bareEtag(header) {
  return (header || '').replace(/^W\//, '').replace(/^"|"$/g, '');
}
