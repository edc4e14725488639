/**
 * Milliseconds a `Retry-After` header asks to wait (delta seconds or an HTTP date),
 * capped at `capMs`; undefined when absent or unreadable. A receiver cannot park a
 * delivery for longer than the cap.
 */
export function retryAfterMs(header: string | string[] | undefined, capMs: number, now: number = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.length === 0 || value.length > 64) return undefined;
  const trimmed = value.trim();
  let waitMs: number;
  if (/^\d{1,10}$/.test(trimmed)) waitMs = Number(trimmed) * 1000;
  else {
    // An HTTP date names a day or month; Date.parse alone would also take "-5" as a year.
    if (!/[A-Za-z]{3}/.test(trimmed)) return undefined;
    const at = Date.parse(trimmed);
    if (!Number.isFinite(at)) return undefined;
    waitMs = at - now;
  }
  return Math.min(Math.max(waitMs, 0), capMs);
}
