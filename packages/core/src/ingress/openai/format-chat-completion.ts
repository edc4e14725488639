import type { ChatResponse } from '../../canonical/chat-response.js';
import { toOpenAIFinishReason } from './openai-finish-reason.js';
import { toOpenAIUsage } from './openai-usage.js';
import type { OpenAIChatCompletion, OpenAIToolCall } from './openai-wire-types.js';

/** Writes a canonical response as an OpenAI `chat.completion` object. */
export function formatChatCompletion(response: ChatResponse, model: string): OpenAIChatCompletion {
  let text: string | null = null;
  let reasoning: string | undefined;
  let refusal: string | null = null;
  const toolCalls: OpenAIToolCall[] = [];
  for (const part of response.content) {
    if (part.type === 'text') text = (text ?? '') + part.text;
    else if (part.type === 'reasoning') {
      // Encrypted thinking has no text to show, and chat completions no field for it (nor for a signature).
      if (part.redactedData === undefined) reasoning = (reasoning ?? '') + part.text;
    }
    else if (part.type === 'refusal') refusal = (refusal ?? '') + part.text;
    else toolCalls.push({ id: part.id, type: 'function', function: { name: part.name, arguments: part.arguments } });
  }
  const message: OpenAIChatCompletion['choices'][number]['message'] = { role: 'assistant', content: text, refusal };
  if (reasoning !== undefined) message.reasoning_content = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const completion: OpenAIChatCompletion = {
    id: response.id,
    object: 'chat.completion',
    created: response.created,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: toOpenAIFinishReason(response.finishReason) }],
    usage: toOpenAIUsage(response.usage),
  };
  const fingerprint = response.providerMetadata?.['openai']?.['system_fingerprint'];
  if (typeof fingerprint === 'string') completion.system_fingerprint = fingerprint;
  return completion;
}
