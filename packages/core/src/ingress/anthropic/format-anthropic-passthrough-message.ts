import type { ChatResponse } from '../../canonical/chat-response.js';
import { billedAnthropicUsage } from './anthropic-usage.js';

/**
 * A whole Anthropic answer on the fast path: the upstream's own `message`, its model
 * read as `provider/model`, its usage the one the gateway billed (billedAnthropicUsage).
 */
export function formatAnthropicPassthroughMessage(body: Record<string, unknown>, response: ChatResponse, model: string): unknown {
  return { ...body, model, usage: billedAnthropicUsage(body['usage'], response.usage) };
}
