import type { ChatRequest, OpenAIChatRequestBody } from '@switchyard/core';
import { convertToOpenAIMessages } from './convert-to-openai-messages.js';
import type { OpenAIOptions } from './openai-options.js';

/** Canonical request → OpenAI Chat Completions body. */
export function buildChatBody(
  request: ChatRequest,
  model: string,
  maxTokensField: OpenAIOptions['max_tokens_field'],
  providerName: string,
): OpenAIChatRequestBody {
  const body: OpenAIChatRequestBody = {
    // Fields the client sent that the canonical shape has no place for go first, so
    // that nothing below can be overridden by them.
    ...request.providerOptions?.['openai'],
    ...(providerName !== 'openai' ? request.providerOptions?.[providerName] : undefined),
    model,
    messages: convertToOpenAIMessages(request.messages),
  };
  if (request.stream) {
    body.stream = true;
    // Always ask for usage: the gateway accounts for every stream, whatever the client asked.
    body.stream_options = { include_usage: true };
  }
  if (request.maxOutputTokens !== undefined) body[maxTokensField] = request.maxOutputTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.stopSequences !== undefined) body.stop = request.stopSequences;
  if (request.user !== undefined) body.user = request.user;
  if (request.candidateCount !== undefined) body.n = request.candidateCount;
  if (request.reasoningEffort !== undefined) body.reasoning_effort = request.reasoningEffort;
  if (request.tools) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description !== undefined && { description: tool.description }),
        parameters: tool.parameters,
        ...(tool.strict !== undefined && { strict: tool.strict }),
      },
    }));
  }
  if (request.toolChoice) {
    body.tool_choice =
      request.toolChoice.type === 'tool'
        ? { type: 'function', function: { name: request.toolChoice.name } }
        : request.toolChoice.type;
  }
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  if (request.responseFormat) {
    const format = request.responseFormat;
    body.response_format =
      format.type === 'text'
        ? { type: 'text' }
        : format.type === 'json'
          ? { type: 'json_object' }
          : {
              type: 'json_schema',
              json_schema: {
                name: format.name,
                schema: format.schema,
                ...(format.description !== undefined && { description: format.description }),
                ...(format.strict !== undefined && { strict: format.strict }),
              },
            };
  }
  return body;
}
