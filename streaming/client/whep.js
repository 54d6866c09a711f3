// WHEP signalling: POST an SDP offer, get the answer and the session URL; DELETE to end.

export class WhepError extends Error {
  constructor(message, { code = 'NETWORK', status = 0, retryAfter = null } = {}) {
    super(message);
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** Wait until ICE gathering completes (or `timeoutMs` passes) so the offer has candidates. */
export function gatheringComplete(pc, timeoutMs = 2000) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      pc.removeEventListener('icegatheringstatechange', check);
      clearTimeout(timer);
      resolve();
    };
    const check = () => { if (pc.iceGatheringState === 'complete') done(); };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

/** Offer `pc`'s local description to `endpoint`; returns {answer, location}. */
export async function negotiate(pc, endpoint = '/whep') {
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  await gatheringComplete(pc);
  let response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp' },
      body: pc.localDescription.sdp,
    });
  } catch (err) {
    throw new WhepError('The server cannot be reached. It may be offline.');
  }
  if (response.status !== 201) {
    let code = `HTTP_${response.status}`;
    let message = `The server refused the stream (HTTP ${response.status}).`;
    try {
      const body = await response.json();
      code = body.code || code;
      message = body.message || message;
    } catch (err) { /* not JSON: keep the generic sentence */ }
    const retry = response.headers.get('Retry-After');
    throw new WhepError(message, {
      code, status: response.status, retryAfter: retry ? Number(retry) : null,
    });
  }
  const location = new URL(response.headers.get('Location'), window.location.href).toString();
  const answer = await response.text();
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  return { answer, location };
}

/** End the session; `keepalive` lets the request outlive a closing page. */
export function endSession(location, { keepalive = false } = {}) {
  if (!location) return Promise.resolve();
  return fetch(location, { method: 'DELETE', keepalive }).catch(() => {});
}
