/** 0001-01-01T00:00:00.000Z. */
export const EARLIEST_STORABLE_TIME_MS = -62_135_596_800_000;
/** 9999-12-31T23:59:59.999Z. */
export const LATEST_STORABLE_TIME_MS = 253_402_300_799_999;

/**
 * Whether every store can hold this instant: years 1 to 9999 UTC, the years an ISO
 * string writes with four digits. PostgreSQL has no year 0 and reads the six-digit
 * year Date writes past 9999 (`+010000-01-01T…`) as a zone offset, so a time outside
 * is refused where it comes in rather than failing in the store.
 */
export function isStorableTime(milliseconds: number): boolean {
  return milliseconds >= EARLIEST_STORABLE_TIME_MS && milliseconds <= LATEST_STORABLE_TIME_MS;
}
