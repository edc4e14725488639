import type { FinishReason, UnifiedFinishReason } from '../../canonical/chat-response.js';
import type { OpenAIFinishReason } from './openai-wire-types.js';

const toOpenAI: Record<UnifiedFinishReason, OpenAIFinishReason> = {
  stop: 'stop',
  length: 'length',
  'tool-calls': 'tool_calls',
  'content-filter': 'content_filter',
  // OpenAI has no value for these; clients treat `stop` as "the model is done".
  error: 'stop',
  other: 'stop',
};

const fromOpenAI: Record<string, UnifiedFinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
  content_filter: 'content-filter',
};

export function toOpenAIFinishReason(reason: FinishReason): OpenAIFinishReason {
  return toOpenAI[reason.unified];
}

export function fromOpenAIFinishReason(raw: string): FinishReason {
  // The upstream names the reason: `toString` or `__proto__` must not read Object.prototype.
  return { unified: Object.hasOwn(fromOpenAI, raw) ? fromOpenAI[raw]! : 'other', raw };
}
