import { randomBytes } from 'node:crypto';

/**
 * An answer's id as Anthropic names a message (`msg_…`). An id that already is one
 * (an Anthropic upstream's) is kept; another provider's (`chatcmpl-…`, a Bedrock
 * request id) is carried after the prefix with what Anthropic's ids never hold
 * dropped, so it still points at the upstream call; none at all gets random letters.
 */
export function anthropicMessageId(id: string): string {
  if (id.startsWith('msg_')) return id;
  const kept = id.replace(/[^A-Za-z0-9]/g, '').slice(0, 64);
  return `msg_${kept === '' ? randomBytes(12).toString('hex') : kept}`;
}
