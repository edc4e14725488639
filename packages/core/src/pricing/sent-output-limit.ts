import type { ChatRequest } from '../canonical/chat-request.js';
import type { Provider } from '../plugin/provider-types.js';

/**
 * The most output tokens a chat call of `request` to `provider` may write, as sent: the
 * request's own limit, else the one its adapter sends for a request without one
 * (`HttpChatAdapter.defaultOutputLimit`: Anthropic's `default_max_tokens` and a thinking
 * budget), else undefined (the model's own limit applies). Budget holds and tpm charges
 * take it before the call; an adapter's answer that is not a positive finite count is none.
 */
export function sentOutputLimit(provider: Provider | undefined, request: ChatRequest): number | undefined {
  if (request.maxOutputTokens !== undefined) return request.maxOutputTokens;
  const limit = provider?.chat?.defaultOutputLimit?.(request);
  return limit !== undefined && Number.isFinite(limit) && limit > 0 ? limit : undefined;
}
