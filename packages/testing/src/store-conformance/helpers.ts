import { createHash, randomBytes } from 'node:crypto';

/** A short random suffix, so a suite's data never meets another test's in a shared database. */
export function unique(label: string): string {
  return `${label}-${randomBytes(5).toString('hex')}`;
}

/** A secret the way the gateway makes one; the store only ever sees `hash` and `prefix`. */
export function newSecret(): { secret: string; hash: string; prefix: string } {
  const secret = `sy-${randomBytes(24).toString('base64url')}`;
  return { secret, hash: sha256Hex(secret), prefix: secret.slice(0, 7) };
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let windowCounter = 0;
const windowBase = Date.UTC(2100, 0, 1) + Math.floor(Math.random() * 20_000) * 86_400_000;

/**
 * A midnight (UTC) that no other test in this run uses, with a week of room after
 * it, so ledger queries over a time range only see the records their test wrote.
 */
export function uniqueWeek(): Date {
  windowCounter += 1;
  return new Date(windowBase + windowCounter * 7 * 86_400_000);
}
