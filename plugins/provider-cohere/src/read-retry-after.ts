import type { UpstreamResponseInfo } from '@switchyard/core';

/** Seconds from `retry-after` (seconds or an HTTP date); Cohere's use of it is UNCONFIRMED, so it is read when present. */
export function readRetryAfter(headers: UpstreamResponseInfo['headers']): number | undefined {
  const value = headers['retry-after'];
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}
