import { isJsonObject } from '@switchyard/core';
import type { ChatRequest, Logger } from '@switchyard/core';
import { buildChatBody, dropUnsupportedParams } from '@switchyard/provider-openai';
import type { MistralOptions } from './mistral-options.js';
import { toMistralToolCallId } from './to-mistral-tool-call-id.js';

type Json = Record<string, unknown>;

/**
 * Top-level fields Mistral's chat endpoint accepts (client-ts `ChatCompletionRequest`).
 * Anything else gets a 422 from Mistral, so it is dropped with a warning instead;
 * fields the client addressed to Mistral itself (`provider_options.mistral`) pass.
 */
const mistralChatFields = new Set([
  'model', 'messages', 'temperature', 'top_p', 'max_tokens', 'stream', 'stop', 'random_seed', 'response_format',
  'tools', 'tool_choice', 'presence_penalty', 'frequency_penalty', 'n', 'prediction', 'parallel_tool_calls',
  'safe_prompt', 'prompt_mode',
]);


/** Canonical request → Mistral chat body: OpenAI's translation, then Mistral's differences. */
export function buildMistralChatBody(
  request: ChatRequest,
  model: string,
  options: Pick<MistralOptions, 'safe_prompt'>,
  logger?: Logger,
): Json {
  const body = buildChatBody(request, model, 'max_tokens', 'mistral') as unknown as Json;
  // Mistral puts usage on the last chunk by itself and refuses stream_options.
  delete body['stream_options'];
  if (body['seed'] !== undefined && body['random_seed'] === undefined) body['random_seed'] = body['seed'];
  delete body['seed'];
  if (body['max_completion_tokens'] !== undefined && body['max_tokens'] === undefined) body['max_tokens'] = body['max_completion_tokens'];
  delete body['max_completion_tokens'];
  if (body['tool_choice'] === 'required') body['tool_choice'] = 'any';
  if (options.safe_prompt !== undefined && body['safe_prompt'] === undefined) body['safe_prompt'] = options.safe_prompt;
  const messages = (body['messages'] as Json[]).map(toMistralMessage(body['messages'] as Json[]));
  // Mistral refuses a conversation ending with the assistant ("Expected last role User or Tool (or
  // Assistant with prefix True)"); such a turn is a prefill to continue, which is what prefix says.
  const last = messages.at(-1);
  if (last?.['role'] === 'assistant' && last['tool_calls'] === undefined) last['prefix'] = true;
  body['messages'] = messages;

  const addressed = new Set(Object.keys(request.providerOptions?.['mistral'] ?? {}));
  const refused = Object.keys(body).filter((field) => !mistralChatFields.has(field) && !addressed.has(field));
  dropUnsupportedParams(body, refused, 'mistral', logger);
  return body;
}

/** Rewrites tool-call ids to Mistral's form and drops message fields Mistral does not know. */
function toMistralMessage(messages: Json[]): (message: Json) => Json {
  const toolNames = new Map<string, string>();
  for (const message of messages) {
    for (const call of Array.isArray(message['tool_calls']) ? message['tool_calls'] : []) {
      if (isJsonObject(call) && isJsonObject(call['function'])) toolNames.set(String(call['id']), String(call['function']['name']));
    }
  }
  return (message) => {
    switch (message['role']) {
      case 'developer':
        return { role: 'system', content: message['content'] };
      case 'user':
        return { role: 'user', content: message['content'] };
      case 'assistant': {
        const toolCalls = Array.isArray(message['tool_calls']) ? (message['tool_calls'] as Json[]) : [];
        // A refusal is text the model said; Mistral has no field for it.
        const content = [message['content'], message['refusal']].filter((part) => typeof part === 'string').join('');
        return {
          role: 'assistant',
          content,
          ...(toolCalls.length > 0 && {
            tool_calls: toolCalls.map((call) => ({ ...call, id: toMistralToolCallId(String(call['id'])) })),
          }),
        };
      }
      case 'tool': {
        const id = String(message['tool_call_id']);
        const name = toolNames.get(id);
        return { role: 'tool', tool_call_id: toMistralToolCallId(id), ...(name !== undefined && { name }), content: message['content'] };
      }
      default:
        return message;
    }
  };
}
