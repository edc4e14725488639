import { randomBytes } from 'node:crypto';

/**
 * A fresh id in OpenAI's style (`resp_…`, `msg_…`, `fc_…`): the prefix and 24 random
 * bytes in hex. The Responses API names every response and item; ours are unguessable
 * because a response id is what a client continues a stored conversation from.
 */
export function responsesItemId(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('hex')}`;
}
