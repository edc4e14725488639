import { createHash, timingSafeEqual } from 'node:crypto';

/** Keys are only ever kept as this digest; looking one up by digest reveals nothing by timing. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * A matcher for one secret key that compares in constant time whatever the length
 * of what is presented; the expected digest is computed once, not per request.
 */
export function keyMatcher(expected: string): (presented: string) => boolean {
  const expectedDigest = createHash('sha256').update(expected, 'utf8').digest();
  return (presented) => timingSafeEqual(createHash('sha256').update(presented, 'utf8').digest(), expectedDigest);
}
