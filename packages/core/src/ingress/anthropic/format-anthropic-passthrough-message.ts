import type { ChatResponse } from '../../canonical/chat-response.js';
import { isAnthropicStopReason, toAnthropicStopReason } from './anthropic-stop-reason.js';
import { withoutMistypedBlocks } from './anthropic-text-fields.js';
import { withToolUsesTyped } from './anthropic-tool-use-fields.js';
import { billedAnthropicUsage } from './anthropic-usage.js';

/**
 * A whole Anthropic answer on the fast path: the upstream's own `message`, its model
 * read as `provider/model`, its usage the one the gateway billed (billedAnthropicUsage),
 * and a `stop_reason` Anthropic does not define (or none) written as the translated path
 * writes it (`end_turn` for a word it does not know). Content blocks the translated
 * path drops (`null`, a text or thinking that is not text, a tool call without a name)
 * are left out, and a tool call's id and input are of their types (withToolUsesTyped).
 */
export function formatAnthropicPassthroughMessage(body: Record<string, unknown>, response: ChatResponse, model: string): unknown {
  const message: Record<string, unknown> = { ...body, model, usage: billedAnthropicUsage(body['usage'], response.usage) };
  if (!isAnthropicStopReason(body['stop_reason'])) message['stop_reason'] = toAnthropicStopReason(response.finishReason);
  const texts = withoutMistypedBlocks(body['content']);
  const content = withToolUsesTyped(texts ?? body['content']) ?? texts;
  if (content) message['content'] = content;
  return message;
}
