import { GatewayError, type AssistantContentPart, type UpstreamChatResponse, type FinishReason } from '@switchyard/core';
import { mapOpenAIErrorBody } from '../map-openai-error.js';
import { inStreamErrorStatus } from '../in-stream-error-status.js';
import { readResponsesUsage } from './read-responses-usage.js';
import { readCreated } from '../read-created.js';

type Item = { type?: unknown; content?: unknown; summary?: unknown; call_id?: unknown; name?: unknown; arguments?: unknown };

/**
 * A Responses API Response object → the canonical reading the fast path taps:
 * usage, finish reason, and the content (for the cache and the billing estimate).
 * The client gets the upstream's own object, not this.
 */
export function parseResponsesResponse(body: unknown, provider: string): UpstreamChatResponse {
  const response = body as { id?: unknown; model?: unknown; created_at?: unknown; status?: unknown; output?: unknown; usage?: unknown; incomplete_details?: { reason?: unknown } | null; error?: unknown };
  if (typeof response !== 'object' || response === null || !Array.isArray(response.output)) {
    throw new GatewayError('upstream_invalid_response', `The ${provider} upstream answered without a Response object.`, { provider });
  }
  // A failed Response is an error, as `response.failed` is in a stream: mapped (and so redacted), not passed on with the upstream's words.
  if (response.status === 'failed') {
    const error = (typeof response.error === 'object' && response.error !== null ? response.error : {}) as Record<string, unknown>;
    const envelope = { error: { message: error['message'], code: error['code'], type: 'server_error' } };
    throw mapOpenAIErrorBody(provider, inStreamErrorStatus(envelope), envelope);
  }
  const content: AssistantContentPart[] = [];
  for (const item of response.output as Item[]) {
    if (typeof item !== 'object' || item === null) continue;
    if (item.type === 'reasoning' && Array.isArray(item.summary)) {
      const text = (item.summary as Array<{ text?: unknown }>).map((part) => (typeof part?.text === 'string' ? part.text : '')).join('');
      if (text) content.push({ type: 'reasoning', text });
    } else if (item.type === 'message' && Array.isArray(item.content)) {
      for (const part of item.content as Array<{ type?: unknown; text?: unknown; refusal?: unknown }>) {
        if (part?.type === 'output_text' && typeof part.text === 'string') content.push({ type: 'text', text: part.text });
        else if (part?.type === 'refusal' && typeof part.refusal === 'string') content.push({ type: 'refusal', text: part.refusal });
      }
    } else if (item.type === 'function_call' && typeof item.call_id === 'string' && typeof item.name === 'string') {
      content.push({ type: 'tool-call', id: item.call_id, name: item.name, arguments: typeof item.arguments === 'string' ? item.arguments : '' });
    }
  }
  return {
    id: typeof response.id === 'string' ? response.id : '',
    model: typeof response.model === 'string' ? response.model : '',
    created: readCreated(response.created_at),
    content,
    finishReason: responsesFinishReason(response.status, response.incomplete_details?.reason, content.some((part) => part.type === 'tool-call')),
    // Undefined when missing or unreadable: the gateway bills its estimate, never 0.
    usage: readResponsesUsage(response.usage),
  };
}

/** A Response's `status` (and why it is incomplete) → the unified finish reason, the raw status kept. */
export function responsesFinishReason(status: unknown, incompleteReason: unknown, hasCalls: boolean): FinishReason {
  const raw = typeof status === 'string' ? status.slice(0, 32) : 'unknown';
  if (status === 'incomplete') {
    return { unified: incompleteReason === 'content_filter' ? 'content-filter' : incompleteReason === 'max_output_tokens' ? 'length' : 'other', raw };
  }
  if (status === 'completed') return { unified: hasCalls ? 'tool-calls' : 'stop', raw };
  return { unified: 'other', raw };
}
