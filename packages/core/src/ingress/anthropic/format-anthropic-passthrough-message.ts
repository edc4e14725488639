import type { ChatResponse } from '../../canonical/chat-response.js';

/** A whole Anthropic answer on the fast path: the upstream's own `message`, its model read as `provider/model`. */
export function formatAnthropicPassthroughMessage(body: Record<string, unknown>, _response: ChatResponse, model: string): unknown {
  return { ...body, model };
}
