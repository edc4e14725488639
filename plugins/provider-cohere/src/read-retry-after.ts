import type { UpstreamResponseInfo } from '@switchyard/core';

/** A day: a longer wait is no hint a client can use (1e21 was written to it as `Retry-After: 1e+21`). */
const maxRetryAfterSeconds = 86_400;

/** Seconds from `retry-after` (seconds or an HTTP date), held to a day; Cohere's use of it is UNCONFIRMED, so it is read when present. */
export function readRetryAfter(headers: UpstreamResponseInfo['headers']): number | undefined {
  const value = headers['retry-after'];
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.min(Math.max(0, seconds), maxRetryAfterSeconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, (date - Date.now()) / 1000), maxRetryAfterSeconds);
}
