import { isJsonObject } from '@switchyard/core';

/** Words an error's `type` or `code` uses for a status, compared lower case without separators. */
const statusByWord: Record<string, number> = {
  ratelimitexceeded: 429, // OpenAI's code, Azure's
  ratelimiterror: 429,
  ratelimited: 429, // Mistral's type
  toomanyrequests: 429,
  serviceunavailable: 503, // Mistral's type, Azure's code (ServiceUnavailable)
  servicetiercapacityexceeded: 503, // Mistral: its capacity, not the gateway's limit
  overloaded: 503,
  overloadederror: 503,
  serveroverloaded: 503,
  timeout: 504,
  gatewaytimeout: 504,
};

/**
 * The HTTP status an error inside a 200 stream stands for, so a rate limit or an
 * overload is said (and retried, and recorded) as one, not as a server failure:
 * a numeric `code` (OpenRouter, vLLM), `raw_status_code` or `status` (Mistral) that
 * is an HTTP error status, a code of three digits (Azure's `"429"`), or a `type` or
 * `code` that names one; otherwise 500.
 */
export function inStreamErrorStatus(body: unknown): number {
  if (!isJsonObject(body)) return 500;
  const detail = isJsonObject(body['error']) ? body['error'] : body;
  for (const field of ['code', 'raw_status_code', 'status']) {
    const status = httpErrorStatus(detail[field]) ?? httpErrorStatus(body[field]);
    if (status !== undefined) return status;
  }
  for (const field of ['code', 'type']) {
    const word = detail[field];
    if (typeof word !== 'string') continue;
    const key = word.toLowerCase().replace(/[^a-z]/g, '');
    if (Object.hasOwn(statusByWord, key)) return statusByWord[key]!;
  }
  return 500;
}

/** A status 400–599 as a number or as three digits of text; anything else is none. */
function httpErrorStatus(value: unknown): number | undefined {
  const status = typeof value === 'number' ? value : typeof value === 'string' && /^[45][0-9]{2}$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(status) && status >= 400 && status < 600 ? status : undefined;
}
