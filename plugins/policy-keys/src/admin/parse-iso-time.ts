import { isStorableTime } from '@switchyard/core';

const isoTimePattern = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * An ISO date (`2026-12-31`, midnight UTC) or date and time with a zone
 * (`2026-12-31T23:59:59Z`), as epoch milliseconds; undefined for anything else,
 * including the looser strings Date.parse would guess at and days a month does not
 * have (Date.parse reads `2027-02-30` as March 2nd), year 0 and any time outside
 * years 1 to 9999 UTC once the zone's offset is applied (see `isStorableTime`).
 */
export function parseIsoTime(text: string): number | undefined {
  const match = isoTimePattern.exec(text);
  if (!match) return undefined;
  const time = Date.parse(text);
  if (Number.isNaN(time)) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  const calendarDay = new Date(0);
  calendarDay.setUTCFullYear(year, month - 1, day);
  const exists = calendarDay.getUTCFullYear() === year && calendarDay.getUTCMonth() === month - 1 && calendarDay.getUTCDate() === day;
  // Its offset may carry a time past year 9999 or before year 1, which no store holds.
  return exists && isStorableTime(time) ? time : undefined;
}
