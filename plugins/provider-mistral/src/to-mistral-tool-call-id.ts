import { createHash } from 'node:crypto';

const mistralIdPattern = /^[A-Za-z0-9]{9}$/;
const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * The id Mistral sees for a tool call id the client sent. Mistral accepts only ids
 * of exactly 9 characters `[A-Za-z0-9]`.
 *
 * The scheme needs no state, so it holds across gateway instances and restarts:
 * - an id that already has Mistral's form (every id Mistral itself returned, which
 *   the client got unchanged) is sent as it is, so a Mistral id round-trips exactly;
 * - any other id (`call_…` from OpenAI, `toolu_…` from Anthropic, a client's own)
 *   becomes the first 9 base62 digits of its SHA-256: the same input always gives
 *   the same output, so an assistant tool call and the tool result answering it
 *   still match upstream. Two different ids collide with odds of about 1 in 62^9.
 */
export function toMistralToolCallId(id: string): string {
  if (mistralIdPattern.test(id)) return id;
  const digest = createHash('sha256').update(id).digest();
  let value = digest.readBigUInt64BE(0);
  let out = '';
  for (let index = 0; index < 9; index++) {
    out += base62[Number(value % 62n)];
    value /= 62n;
    // 62^9 > 2^53 but < 2^64, so one 64-bit word is enough for 9 digits.
  }
  return out;
}

/** Whether Mistral would accept this id as is. */
export function isMistralToolCallId(id: string): boolean {
  return mistralIdPattern.test(id);
}
