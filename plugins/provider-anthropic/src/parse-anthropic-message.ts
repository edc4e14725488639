import { GatewayError, nonEmptyText, objectInputText, type AssistantContentPart, type UpstreamChatResponse, type UpstreamResponseInfo, isJsonObject } from '@switchyard/core';
import type { AnthropicErrorEnvelope, AnthropicMessageResponse } from './anthropic-wire-types.js';
import { mapAnthropicErrorBody } from './map-anthropic-error.js';
import { jsonResponseToolName } from './json-response-tool.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';
import { mapAnthropicUsage } from './map-anthropic-usage.js';


/**
 * Anthropic `message` (`response.json`) → canonical response. Anthropic's error envelope
 * answered at 200 (by a proxy in front of it, whole or to a stream request) is that error,
 * with the status Anthropic gives its type, as the same envelope in a stream's `error`
 * event is: read as a message, an overload or a rate limit was a 502 "without message content".
 */
export function parseAnthropicMessage(body: unknown, provider: string, info?: UpstreamResponseInfo): UpstreamChatResponse {
  if (isJsonObject(body) && body['type'] === 'error' && isJsonObject(body['error'])) throw mapAnthropicErrorBody(provider, body as AnthropicErrorEnvelope);
  const message = body as AnthropicMessageResponse;
  if (typeof message !== 'object' || message === null || !Array.isArray(message.content)) {
    throw new GatewayError('upstream_invalid_response', `The ${provider} upstream answered without message content.`, { provider });
  }
  const content: AssistantContentPart[] = [];
  let toolCalls = 0;
  // Only text where text belongs: a block that is not an object (null made this a 500), a thinking
  // of {} ("[object Object]"), a tool name or id of 5 ("5") is not passed on.
  for (const block of message.content as unknown[]) {
    if (!isJsonObject(block)) continue;
    switch (block['type']) {
      case 'text':
        if (typeof block['text'] === 'string') content.push({ type: 'text', text: block['text'] });
        break;
      case 'thinking':
        content.push({
          type: 'reasoning',
          text: typeof block['thinking'] === 'string' ? block['thinking'] : '',
          ...(typeof block['signature'] === 'string' && { signature: block['signature'] }),
        });
        break;
      case 'redacted_thinking':
        // Opaque, for Anthropic alone: kept to go back to it on the next turn.
        if (typeof block['data'] === 'string' && block['data'] !== '') content.push({ type: 'reasoning', text: '', redactedData: block['data'] });
        break;
      case 'tool_use': {
        const name = nonEmptyText(block['name']);
        // A call without a name cannot be made: it is left out.
        if (name === undefined) break;
        const input = objectInputText(block['input']);
        if (name === jsonResponseToolName) {
          content.push({ type: 'text', text: input });
        } else {
          toolCalls += 1;
          content.push({ type: 'tool-call', id: typeof block['id'] === 'string' ? block['id'] : '', name, arguments: input });
        }
        break;
      }
      // Server tool blocks and whatever comes later have no canonical form.
    }
  }
  const response: UpstreamChatResponse = {
    id: typeof message.id === 'string' ? message.id : `msg_gateway_${Date.now()}`,
    model: typeof message.model === 'string' ? message.model : '',
    // Anthropic sends no timestamp; the time of arrival is the closest.
    created: Math.floor(Date.now() / 1000),
    content,
    finishReason: mapAnthropicStopReason(message.stop_reason, toolCalls === 0),
    // Undefined when missing or unreadable: the gateway bills its estimate, never 0.
    usage: mapAnthropicUsage(message.usage),
  };
  const metadata: Record<string, unknown> = {};
  if (typeof message.stop_sequence === 'string') metadata['stop_sequence'] = message.stop_sequence;
  const requestId = info?.headers['request-id'];
  if (typeof requestId === 'string') metadata['request_id'] = requestId;
  if (Object.keys(metadata).length > 0) response.providerMetadata = { anthropic: metadata };
  return response;
}
