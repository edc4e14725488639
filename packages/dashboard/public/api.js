// Every call of the page goes through here: same origin, the session cookie, and the
// dashboard header the server requires on every API call (its CSRF check).

/** An API error with the gateway's code and message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const timeoutMs = 15000;

/** What the page says when a call got no answer in time (the browser's own words are "signal timed out"). */
export function noAnswerWithin(ms) {
  return `The gateway gave no answer within ${ms / 1000} s. It may be overloaded or stuck; try again.`;
}

/** What the page says when an answer is not the gateway's JSON (the browser's own words are a parse error such as "Unexpected token '<'"). */
export function notGatewayJson(status) {
  return `The answer (HTTP ${status}) was not the gateway's JSON: something in front of it, a proxy or a load balancer, may have answered instead.`;
}

/** `text` parsed as a JSON object or array, or an ApiError saying the answer was not the gateway's (a proxy's HTML error page, say). */
export function parseGatewayJson(status, text) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  // The gateway answers objects (and arrays) only: `null` or a bare string came from someone else.
  if (parsed === null || typeof parsed !== 'object') throw new ApiError(status, 'invalid_response', notGatewayJson(status));
  return parsed;
}

export async function api(method, path, body) {
  // One deadline for headers and body; past it the page says so (the browser's own words were "signal timed out").
  const signal = AbortSignal.timeout(timeoutMs);
  let response;
  let text;
  try {
    response = await fetch(`api/${path}`, {
      method,
      credentials: 'same-origin',
      headers: { 'x-switchyard-dashboard': '1', ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal,
    });
    if (response.status === 204) return undefined;
    text = await response.text();
  } catch (error) {
    if (signal.aborted) throw new ApiError(0, 'timeout', noAnswerWithin(timeoutMs));
    throw error;
  }
  const parsed = text ? parseGatewayJson(response.status, text) : undefined;
  if (!response.ok) {
    const error = parsed && parsed.error ? parsed.error : {};
    throw new ApiError(response.status, error.code ?? 'unknown', error.message ?? `The gateway answered ${response.status}.`);
  }
  return parsed;
}

/** A query string from the set values only. */
export function query(values) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
