import { GatewayError, nonEmptyText, objectInputText, type AssistantContentPart, type UpstreamChatResponse, type UpstreamResponseInfo, isJsonObject } from '@switchyard/core';
import type { ConverseResponseBody } from './bedrock-wire-types.js';
import { jsonResponseToolName } from './json-response-tool.js';
import { mapBedrockStopReason } from './map-bedrock-stop-reason.js';
import { mapBedrockUsage } from './map-bedrock-usage.js';
import { readRequestId } from './read-request-id.js';


/**
 * Converse response (`response.json`) → canonical. The body names no model and has
 * no id: the id is the `x-amzn-RequestId` header, the model is left empty.
 */
export function parseConverseResponse(body: unknown, provider = 'bedrock', info?: UpstreamResponseInfo): UpstreamChatResponse {
  const response = body as ConverseResponseBody;
  const blocks = response?.output?.message?.content;
  if (!Array.isArray(blocks)) {
    throw new GatewayError('upstream_invalid_response', `The ${provider} upstream answered without message content.`, { provider });
  }
  const content: AssistantContentPart[] = [];
  let toolCalls = 0;
  let jsonAnswers = 0;
  // Only text where text belongs: a block that is not an object (null made this a 500), a tool
  // name or id of 5 or {} ("5", "[object Object]"), a reasoning text of {} is not passed on.
  for (const block of blocks as unknown[]) {
    if (!isJsonObject(block)) continue;
    const toolUse = block['toolUse'];
    const reasoningText = isJsonObject(block['reasoningContent']) ? block['reasoningContent']['reasoningText'] : undefined;
    const redacted = isJsonObject(block['reasoningContent']) ? nonEmptyText(block['reasoningContent']['redactedContent']) : undefined;
    if (typeof block['text'] === 'string') {
      content.push({ type: 'text', text: block['text'] });
    } else if (isJsonObject(toolUse)) {
      const name = nonEmptyText(toolUse['name']);
      // A call without a name cannot be made: it is left out (a toolUse of 5 was a call named "undefined").
      if (name === undefined) continue;
      const input = objectInputText(toolUse['input']);
      if (name === jsonResponseToolName) {
        jsonAnswers += 1;
        content.push({ type: 'text', text: input });
      } else {
        toolCalls += 1;
        content.push({ type: 'tool-call', id: typeof toolUse['toolUseId'] === 'string' ? toolUse['toolUseId'] : '', name, arguments: input });
      }
    } else if (isJsonObject(reasoningText)) {
      content.push({
        type: 'reasoning',
        text: typeof reasoningText['text'] === 'string' ? reasoningText['text'] : '',
        ...(typeof reasoningText['signature'] === 'string' && { signature: reasoningText['signature'] }),
      });
    } else if (redacted) {
      // Encrypted reasoning (base64), kept to go back on the next turn.
      content.push({ type: 'reasoning', text: '', redactedData: redacted });
    }
    // Documents, citations and later block types have no canonical form.
  }
  const requestId = readRequestId(info);
  const result: UpstreamChatResponse = {
    id: requestId ?? `bedrock-${Date.now()}`,
    model: '',
    created: Math.floor(Date.now() / 1000),
    content,
    finishReason: mapBedrockStopReason(response.stopReason, jsonAnswers > 0 && toolCalls === 0),
    // Undefined when missing or unreadable: the gateway bills its estimate, never 0.
    usage: mapBedrockUsage(response.usage),
  };
  const metadata: Record<string, unknown> = {};
  if (requestId) metadata['request_id'] = requestId;
  if (typeof response.metrics?.latencyMs === 'number') metadata['latency_ms'] = response.metrics.latencyMs;
  if (response.additionalModelResponseFields !== undefined) metadata['additional_model_response_fields'] = response.additionalModelResponseFields;
  if (response.trace !== undefined) metadata['trace'] = response.trace;
  if (Object.keys(metadata).length > 0) result.providerMetadata = { bedrock: metadata };
  return result;
}
