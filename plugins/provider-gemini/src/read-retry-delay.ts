import { maxRetryAfterSeconds, readRetryAfterHeader, type UpstreamErrorResponse } from '@switchyard/core';

/**
 * How long Gemini asks us to wait, in seconds. Gemini sends no `Retry-After`; the
 * hint is the `google.rpc.RetryInfo` detail, a protobuf Duration (`"23s"`,
 * `"29.723877525s"`). A `retry-after` header (a proxy in front) is the fallback.
 */
export function readRetryDelay(details: unknown, headers: UpstreamErrorResponse['headers'] = {}): number | undefined {
  if (Array.isArray(details)) {
    for (const detail of details) {
      if (typeof detail !== 'object' || detail === null) continue;
      const { '@type': type, retryDelay } = detail as { '@type'?: unknown; retryDelay?: unknown };
      if (typeof type !== 'string' || !type.endsWith('google.rpc.RetryInfo')) continue;
      const seconds = durationSeconds(retryDelay);
      // Held to a day, as a `retry-after` header is.
      if (seconds !== undefined) return Math.min(Math.max(0, seconds), maxRetryAfterSeconds);
    }
  }
  return readRetryAfterHeader(headers['retry-after']);
}

function durationSeconds(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
    return match ? Number(match[1]) : undefined;
  }
  // The proto form, should a client library have expanded it.
  if (typeof value === 'object' && value !== null) {
    const { seconds, nanos } = value as { seconds?: unknown; nanos?: unknown };
    const whole = Number(seconds ?? 0);
    const fraction = Number(nanos ?? 0) / 1e9;
    return Number.isFinite(whole) && Number.isFinite(fraction) ? whole + fraction : undefined;
  }
  return undefined;
}
