import type { ChatRequest } from '../canonical/chat-request.js';
import type { PassthroughDialect } from '../plugin/provider-types.js';

/** Where each fast-path dialect's body keeps the output limit; the first is the one written. */
const outputLimitFields: Readonly<Record<PassthroughDialect, readonly string[]>> = {
  'openai-chat': ['max_completion_tokens', 'max_tokens'],
  'openai-responses': ['max_output_tokens'],
  'anthropic-messages': ['max_tokens'],
};

/**
 * The client's body for the fast path, with the canonical request's output limit when
 * the client left its own out: a step may set one (a key's `max_tokens` is filled in by
 * key-scope), and the budget holds for it. The fast path sends the client's body, so
 * without it the upstream wrote up to the model's own limit, past what was held. The
 * body itself when nothing is missing (a copy otherwise: it is the client's).
 */
export function withOutputLimit(body: Record<string, unknown>, dialect: PassthroughDialect, canonical: ChatRequest): Record<string, unknown> {
  const limit = canonical.maxOutputTokens;
  if (limit === undefined) return body;
  const fields = outputLimitFields[dialect];
  // A loop, not some(): no closure per request on the fast path.
  for (let index = 0; index < fields.length; index++) {
    const given = body[fields[index]!];
    if (given !== undefined && given !== null) return body;
  }
  return { ...body, [fields[0]!]: limit };
}
