import { GatewayError, type ChatRequest } from '@switchyard/core';
import type { BedrockInferenceConfig, ConverseRequestBody } from './bedrock-wire-types.js';
import { convertToBedrockMessages } from './convert-to-bedrock-messages.js';
import { convertToBedrockTools } from './convert-to-bedrock-tools.js';

/**
 * Canonical request → Converse body (the same for `/converse` and `/converse-stream`).
 * `providerOptions.bedrock` fields (`additionalModelRequestFields`, `guardrailConfig`,
 * `performanceConfig`, `requestMetadata` …) go into the body as they are; the
 * canonical fields win, and a pass-through `inferenceConfig` is merged under them.
 * Settings Converse has no field for (`seed`, penalties, `user`, `reasoningEffort`)
 * are not sent: model-specific ones belong in `additionalModelRequestFields`.
 */
export function buildConverseBody(request: ChatRequest, provider = 'bedrock'): ConverseRequestBody {
  const passThrough = request.providerOptions?.['bedrock'] ?? {};
  const prompt = convertToBedrockMessages(request.messages, provider);
  // Converse refuses a conversation with no turn ("A conversation must start with a user message"): said here, naming the client's field.
  if (prompt.messages.length === 0) {
    throw new GatewayError('invalid_request', `${provider} needs at least one user or assistant message besides the system prompt.`, { param: 'messages', provider });
  }
  const body: ConverseRequestBody = { ...passThrough, messages: prompt.messages };
  if (prompt.system) body.system = prompt.system;
  const toolConfig = convertToBedrockTools(request, prompt);
  if (toolConfig) body.toolConfig = toolConfig;

  const inference: BedrockInferenceConfig = { ...asRecord(passThrough['inferenceConfig']) };
  if (request.maxOutputTokens !== undefined) inference.maxTokens = request.maxOutputTokens;
  // Passed as sent: most Bedrock models take 0–1, and a value out of range is refused upstream rather than changed.
  if (request.temperature !== undefined) inference.temperature = request.temperature;
  if (request.topP !== undefined) inference.topP = request.topP;
  if (request.stopSequences !== undefined && request.stopSequences.length > 0) inference.stopSequences = request.stopSequences;
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;
  else delete body.inferenceConfig;
  return body;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
