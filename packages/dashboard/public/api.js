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
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(response.status, 'invalid_response', `The gateway answered ${response.status} with something that is not JSON.`);
  }
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
