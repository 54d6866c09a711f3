// WHEP signalling: POST an SDP offer, get the answer and the session URL; DELETE to end.

export class WhepError extends Error {
  constructor(message, { code = 'NETWORK', status = 0, retryAfter = null, details = {} } = {}) {
    super(message);
    this.name = 'WhepError';
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter;
    this.details = details;  // the refusal's JSON body (a full gallery names its queue)
  }
}

/** Wait until ICE gathering completes (or `timeoutMs` passes) so the offer has candidates. */
export function gatheringComplete(pc, timeoutMs = 2000) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => { if (pc.iceGatheringState === 'complete') done(); };
    const done = () => {
      pc.removeEventListener('icegatheringstatechange', check);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

/** Seconds from a Retry-After header (delta-seconds or HTTP date), or null. */
function retryAfterSeconds(value) {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.round((date - Date.now()) / 1000));
}

/**
 * Offer `pc`'s local description to `endpoint` (with extra `headers`: a docent's token);
 * resolves with {answer, location}, where
 * `location` is the absolute session URL.  Throws {@link WhepError} with the server's
 * message on refusal, or a NETWORK one when the server cannot be reached.
 */
export async function negotiate(pc, { endpoint = '/whep', timeoutMs = 20000, headers = {} } = {}) {
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  await gatheringComplete(pc);
  let response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp', ...headers },
      body: pc.localDescription.sdp,
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const late = err && (err.name === 'TimeoutError' || err.name === 'AbortError');
    throw new WhepError(late
      ? 'The server did not answer in time. It may be overloaded or offline.'
      : 'The server cannot be reached. It may be offline.', { code: late ? 'TIMEOUT' : 'NETWORK' });
  }
  if (response.status !== 201 && response.status !== 200) {
    let code = `HTTP_${response.status}`;
    let message = `The server refused the stream (HTTP ${response.status}).`;
    let details = {};
    try {
      const body = await response.json();
      code = body.code || code;
      message = body.message || message;
      if (body && typeof body === 'object') details = body;
    } catch (err) { /* not JSON: keep the generic sentence */ }
    throw new WhepError(message, {
      code, status: response.status, retryAfter: retryAfterSeconds(response.headers.get('Retry-After')), details,
    });
  }
  const header = response.headers.get('Location');
  const location = header ? new URL(header, response.url || window.location.href).toString() : null;
  const answer = await response.text();
  try {
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  } catch (err) {
    endSession(location);
    throw new WhepError(`The server's answer could not be used (${err.message}).`,
      { code: 'BAD_ANSWER', status: response.status });
  }
  return { answer, location };
}

/**
 * End the session with DELETE; never rejects.  `keepalive` lets the request outlive a
 * closing page; otherwise it is given up after `timeoutMs`.
 */
export function endSession(location, { keepalive = false, timeoutMs = 2000 } = {}) {
  if (!location) return Promise.resolve();
  const options = { method: 'DELETE', keepalive };
  if (!keepalive) options.signal = AbortSignal.timeout(timeoutMs);
  return fetch(location, options).then(() => undefined, () => undefined);
}

/**
 * Make `pc` a viewer of a live stream (video and audio, receive only) whose tracks play in
 * `video`.  The media stream is attached with its first track: an empty one would hold the
 * page's load event (a media element delays it until it has something to load).
 */
export function receiveInto(pc, video) {
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const media = new MediaStream();
  pc.addEventListener('track', (event) => {
    media.addTrack(event.track);
    if (video.srcObject !== media) video.srcObject = media;
    video.play().catch(() => {});
  });
}
