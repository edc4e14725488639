import { GatewayError, type ChatRequest, type ResponseFormat } from '@switchyard/core';
import type { CohereChatBody, CohereResponseFormat } from './cohere-wire-types.js';
import { convertToCohereMessages } from './convert-to-cohere-messages.js';
import { convertToCohereTools } from './convert-to-cohere-tools.js';

/**
 * Canonical request → the body of `POST /v2/chat`. Sampling names are Cohere's own
 * (`p` for top-p). `providerOptions.cohere` is merged into the top level, so any Cohere
 * field (`k`, `safety_mode`, `documents`, `thinking` …) can be set; as in the other
 * providers, the canonical fields win over pass-through fields of the same name.
 */
export function buildCohereChatBody(request: ChatRequest, model: string): CohereChatBody {
  const toolChoice = request.toolChoice;
  if (toolChoice?.type === 'tool' && !request.tools?.some((tool) => tool.name === toolChoice.name)) {
    throw new GatewayError('invalid_request', `tool_choice names "${toolChoice.name}", which is not among the tools.`, { param: 'tool_choice' });
  }
  const body: CohereChatBody = {
    ...request.providerOptions?.['cohere'],
    model,
    messages: convertToCohereMessages(request.messages),
    ...convertToCohereTools(request.tools, request.toolChoice),
    stream: request.stream,
  };
  if (request.maxOutputTokens !== undefined) body.max_tokens = request.maxOutputTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.p = request.topP;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.stopSequences && request.stopSequences.length > 0) body.stop_sequences = request.stopSequences;
  const responseFormat = convertResponseFormat(request.responseFormat);
  if (responseFormat) body.response_format = responseFormat;
  return body;
}

// JSON mode and structured output are one Cohere type; the schema is what tells them apart.
function convertResponseFormat(format: ResponseFormat | undefined): CohereResponseFormat | undefined {
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json') return { type: 'json_object' };
  return { type: 'json_object', json_schema: format.schema };
}
