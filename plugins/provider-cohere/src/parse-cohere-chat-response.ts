import { GatewayError, nonEmptyText, type AssistantContentPart, type UpstreamChatResponse, isJsonObject } from '@switchyard/core';
import type { CohereChatResponse } from './cohere-wire-types.js';
import { mapCohereFinishReason } from './map-cohere-finish-reason.js';
import { mapCohereUsage } from './map-cohere-usage.js';


/**
 * A tool call's arguments as JSON text: as sent; written as text when sent as an object
 * (the tolerant reading, as for OpenAI-compatible servers: they were lost as `{}`);
 * anything else, or none, is no arguments, `{}`.
 */
function argumentsText(value: unknown): string {
  if (typeof value === 'string' && value !== '') return value;
  return isJsonObject(value) ? JSON.stringify(value) : '{}';
}

/**
 * Cohere chat answer (`response.json`) → canonical response. `tool_plan` becomes a
 * reasoning part: it is the model thinking aloud before its tool calls, not the
 * answer. Text blocks are joined into one text part. Cohere names no model in
 * its answer, so `model` is left empty for the gateway to fill in.
 */
export function parseCohereChatResponse(body: unknown, provider: string): UpstreamChatResponse {
  const response = body as CohereChatResponse;
  const message = typeof response === 'object' && response !== null ? response.message : undefined;
  if (typeof message !== 'object' || message === null) {
    throw new GatewayError('upstream_invalid_response', `The ${provider} upstream answered without a message.`, { provider });
  }
  const content: AssistantContentPart[] = [];
  let reasoning = typeof message.tool_plan === 'string' ? message.tool_plan : '';
  let text = '';
  for (const block of Array.isArray(message.content) ? message.content : []) {
    if (block?.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block?.type === 'thinking' && typeof block.thinking === 'string') reasoning += block.thinking;
  }
  if (reasoning !== '') content.push({ type: 'reasoning', text: reasoning });
  if (text !== '') content.push({ type: 'text', text });
  // Only text where text belongs: a call of null was one named "", a name or id of 5 or {}
  // became "5" or "[object Object]". A call without a name cannot be made: it is left out.
  for (const call of Array.isArray(message.tool_calls) ? (message.tool_calls as unknown[]) : []) {
    if (!isJsonObject(call) || !isJsonObject(call['function'])) continue;
    const fn = call['function'];
    const name = nonEmptyText(fn['name']);
    if (name === undefined) continue;
    content.push({ type: 'tool-call', id: typeof call['id'] === 'string' ? call['id'] : '', name, arguments: argumentsText(fn['arguments']) });
  }
  const result: UpstreamChatResponse = {
    id: typeof response.id === 'string' ? response.id : `cohere_gateway_${Date.now()}`,
    model: '',
    // Cohere sends no timestamp; the time of arrival is the closest.
    created: Math.floor(Date.now() / 1000),
    content,
    finishReason: mapCohereFinishReason(response.finish_reason),
    // Undefined when missing or unreadable: the gateway bills its estimate, never 0.
    usage: mapCohereUsage(response.usage),
  };
  if (response.usage?.billed_units) result.providerMetadata = { cohere: { billed_units: response.usage.billed_units } };
  return result;
}
