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

export async function api(method, path, body) {
  const response = await fetch(`api/${path}`, {
    method,
    credentials: 'same-origin',
    headers: { 'x-switchyard-dashboard': '1', ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status === 204) return undefined;
  const text = await response.text();
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
