import { createHash, timingSafeEqual } from 'node:crypto';

/** Keys are only ever kept as this digest; looking one up by digest reveals nothing by timing. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * A matcher for one secret key: compares the digest of what is presented with the
 * key's digest (computed once) in constant time, whatever the lengths.
 */
export function keyMatcher(expected: string): (presentedDigest: string) => boolean {
  const expectedDigest = Buffer.from(hashApiKey(expected), 'hex');
  return (presentedDigest) => timingSafeEqual(Buffer.from(presentedDigest, 'hex'), expectedDigest);
}
