import { randomBytes } from 'node:crypto';
import type { KeySecret } from '@switchyard/core';
import { hashApiKey } from '../hash-api-key.js';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 43 base62 characters carry 256 bits. */
const secretLength = 43;
/** `sy-` and four characters: enough to tell keys apart in a list, far too few to guess from. */
const prefixLength = 7;

export interface GeneratedKeySecret {
  /** The secret itself: shown to the caller once, never stored or logged. */
  secret: string;
  /** What the store keeps: the digest and the prefix. */
  stored: KeySecret;
}

/** A new virtual key secret: `sy-` followed by 43 base62 characters from the CSPRNG. */
export function generateKeySecret(): GeneratedKeySecret {
  let body = '';
  while (body.length < secretLength) {
    for (const byte of randomBytes(64)) {
      // 248 = 4 × 62: bytes above it are dropped so every character is equally likely.
      if (byte >= 248) continue;
      body += alphabet[byte % 62];
      if (body.length === secretLength) break;
    }
  }
  const secret = `sy-${body}`;
  return { secret, stored: { hash: hashApiKey(secret), prefix: secret.slice(0, prefixLength) } };
}
