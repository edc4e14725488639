const isoTimePattern = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * An ISO date (`2026-12-31`, midnight UTC) or date and time with a zone
 * (`2026-12-31T23:59:59Z`), as epoch milliseconds; undefined for anything else,
 * including the looser strings Date.parse would guess at.
 */
export function parseIsoTime(text: string): number | undefined {
  if (!isoTimePattern.test(text)) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}
