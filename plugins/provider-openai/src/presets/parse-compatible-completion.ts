import { GatewayError, type AssistantContentPart, type UpstreamChatResponse, isJsonObject } from '@switchyard/core';
import { fromCompatibleFinishReason, readCompatibleContent } from './read-compatible-content.js';
import { readCompatibleUsage } from './read-compatible-usage.js';
import { inStreamErrorStatus } from '../in-stream-error-status.js';
import { mapCompatibleErrorBody } from './map-compatible-error.js';
import { readCreated } from '../read-created.js';

type Json = Record<string, unknown>;


/**
 * A tool call's arguments as JSON text: as sent, or written as text when sent as an
 * object (the tolerant reading); none is `{}`; anything else (a number, a list) is no
 * arguments, never `"5"` or `"[1]"`.
 */
function argumentsText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isJsonObject(value)) return JSON.stringify(value);
  return value === undefined || value === null ? '{}' : '';
}

/** Top-level fields some services add that are worth keeping for the caller (Perplexity's sources). */
const metadataFields = ['citations', 'search_results', 'system_fingerprint', 'provider'];

/**
 * A `chat.completion` of an OpenAI-compatible service → canonical response, with
 * reasoning from `reasoning_content` or `reasoning`, usage quirks, Mistral's
 * `model_length`, and extra top-level fields kept under `providerMetadata[provider]`.
 */
export function parseCompatibleCompletion(body: unknown, provider: string): UpstreamChatResponse {
  // An answer carrying an error is that error, choices or not: the fast path would otherwise hand its words, unredacted, to the client.
  if (isJsonObject(body) && body['error'] !== undefined && body['error'] !== null) throw mapCompatibleErrorBody(provider, inStreamErrorStatus(body), body);
  const choices = isJsonObject(body) && Array.isArray(body['choices']) ? body['choices'] : [];
  const choice = isJsonObject(choices[0]) ? choices[0] : undefined;
  if (!isJsonObject(body) || !choice || !isJsonObject(choice['message'])) {
    throw new GatewayError('upstream_invalid_response', `The ${provider} upstream answered without a choice.`, { provider });
  }
  if (choice['finish_reason'] === 'error') {
    throw mapCompatibleErrorBody(provider, 500, { error: { message: 'the answer ended with finish_reason "error"' } });
  }
  const message = choice['message'];
  const content: AssistantContentPart[] = [];
  const { text, reasoning } = readCompatibleContent(message);
  if (reasoning) content.push({ type: 'reasoning', text: reasoning });
  if (text) content.push({ type: 'text', text });
  if (typeof message['refusal'] === 'string' && message['refusal']) content.push({ type: 'refusal', text: message['refusal'] });
  for (const call of Array.isArray(message['tool_calls']) ? message['tool_calls'] : []) {
    // A call named by something other than text cannot be answered: left out, as an id
    // that is not text is none. Either was passed on as text ("5", "[object Object]").
    const fn = isJsonObject(call) && isJsonObject(call['function']) ? call['function'] : undefined;
    if (!fn || typeof fn['name'] !== 'string') continue;
    content.push({ type: 'tool-call', id: typeof call['id'] === 'string' ? call['id'] : '', name: fn['name'], arguments: argumentsText(fn['arguments']) });
  }
  const response: UpstreamChatResponse = {
    id: typeof body['id'] === 'string' ? body['id'] : '',
    model: typeof body['model'] === 'string' ? body['model'] : '',
    created: readCreated(body['created']),
    content,
    finishReason: fromCompatibleFinishReason(typeof choice['finish_reason'] === 'string' ? choice['finish_reason'] : 'stop'),
    // Undefined when missing or unreadable: the gateway bills its estimate, never 0.
    usage: readCompatibleUsage(body),
  };
  const metadata: Json = {};
  for (const field of metadataFields) if (body[field] !== undefined && body[field] !== null) metadata[field] = body[field];
  if (Object.keys(metadata).length > 0) response.providerMetadata = { [provider]: metadata };
  return response;
}
