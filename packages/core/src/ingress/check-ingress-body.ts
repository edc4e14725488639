import { GatewayError } from '../errors/gateway-error.js';
import type { Validator } from '../validation/compile-validator.js';
import { escapeUnseen, shownParam } from '../validation/shown-param.js';
import { checkModelName } from './check-model-name.js';
import type { IngressLimits } from './ingress-limits.js';

/**
 * The checks every chat dialect's body goes through before it is translated: the
 * message count (before the schema, which would otherwise walk every message), the
 * dialect's schema, and the model name. Returns the body as the schema's type.
 *
 * @throws {GatewayError} `invalid_request` (400) naming the field at fault.
 */
export function checkIngressBody<T extends { model: string }>(body: unknown, validator: Validator<T>, limits: IngressLimits): T {
  const messages = (body as { messages?: unknown } | null)?.messages;
  if (Array.isArray(messages) && messages.length > limits.maxMessages) {
    throw invalidRequest('/messages', `more than ${limits.maxMessages} messages (limits.max_messages)`);
  }
  const result = validator(body);
  if (!result.ok) throw invalidRequest(result.problems[0]!.path, result.problems[0]!.message);
  checkModelName(result.value.model, limits.maxModelNameLength);
  return result.value;
}

/**
 * A 400 naming the field a JSON pointer points at (`/messages/0/role` →
 * `messages[0].role`), at most 200 characters of it (see shownParam).
 */
export function invalidRequest(pointer: string, message: string): GatewayError {
  const param = shownParam(pointer);
  // The message may name a value of the client's (`the item type '…'`): its unseen characters escaped, as the param's.
  const shown = escapeUnseen(message);
  return new GatewayError(
    'invalid_request',
    param ? `Invalid value for '${param}': ${shown}.` : `Invalid request body: ${shown}.`,
    { param: param || null },
  );
}
