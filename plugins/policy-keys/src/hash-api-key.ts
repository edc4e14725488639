import { createHash, timingSafeEqual } from 'node:crypto';

/** Keys are only ever kept as this digest; looking one up by digest reveals nothing by timing. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Compares two keys in constant time, whatever their lengths. */
export function keysEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
