import type { UpstreamResponseInfo } from '@switchyard/core';

/** Seconds from `retry-after`, which Anthropic sends in seconds; an HTTP date is read too, to be safe. */
export function readRetryAfter(headers: UpstreamResponseInfo['headers']): number | undefined {
  const value = headers['retry-after'];
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}
