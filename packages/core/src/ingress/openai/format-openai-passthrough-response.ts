import type { ChatResponse } from '../../canonical/chat-response.js';
import { toOpenAIUsage } from './openai-usage.js';

type Json = Record<string, unknown>;

/**
 * A whole OpenAI-compatible answer as the client gets it on the fast path: the
 * upstream's own body with `model` as `provider/model`, and usage in OpenAI's place
 * when the upstream put it elsewhere.
 */
export function formatOpenAIPassthroughResponse(body: Json, response: ChatResponse, model: string): unknown {
  const answer: Json = { ...body, model };
  if (typeof answer['usage'] !== 'object' || answer['usage'] === null) answer['usage'] = toOpenAIUsage(response.usage);
  return answer;
}
