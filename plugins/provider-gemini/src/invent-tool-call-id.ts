import { createHash } from 'node:crypto';

/**
 * Separates a tool-call id from the thought signature carried inside it. Neither a
 * hex digest nor base64url contains it by chance in practice, and it keeps the id
 * to `[A-Za-z0-9_-]`, which every provider accepts back.
 */
export const thoughtSignatureSeparator = '__thought__';

/**
 * An id for a Gemini function call, which usually comes without one: `call_` and a
 * digest of the response id, the call's place in it and its name, so the same
 * response always gives the same ids. Gemini's own `functionCall.id` wins when sent.
 *
 * A thinking model's `thoughtSignature` must come back on the same part in the next
 * request, and an OpenAI client only ever sends back the tool call's id and
 * arguments, so the signature travels inside the id (as base64url).
 */
export function inventToolCallId(
  responseId: string | undefined,
  index: number,
  call: { name: string; id?: string | undefined },
  thoughtSignature?: string,
): string {
  const base =
    typeof call.id === 'string' && call.id !== ''
      ? call.id
      : `call_${createHash('sha256').update(`${responseId ?? ''}\u0000${index}\u0000${call.name}`).digest('hex').slice(0, 24)}`;
  if (!thoughtSignature) return base;
  return `${base}${thoughtSignatureSeparator}${Buffer.from(thoughtSignature, 'base64').toString('base64url')}`;
}
