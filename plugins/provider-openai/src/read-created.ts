/**
 * An answer's `created` when it is a time in whole Unix seconds, else the time of
 * arrival. Taken as any number, 1e309 (read as Infinity) was written into the client's
 * stream as the bare word `Infinity` (not JSON: the whole stream unreadable) and into a
 * whole answer as `null`; -5, 2.5 or 1e300 (`1e+300`) no SDK typing it an integer reads.
 */
export function readCreated(value: unknown): number {
  return Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : Math.floor(Date.now() / 1000);
}
