import { GatewayError, parseUpstreamJson, type ServerSentEvent, type StreamDecoder, type StreamPart } from '@switchyard/core';
import { mapOpenAIErrorBody } from '../map-openai-error.js';
import { inStreamErrorStatus } from '../in-stream-error-status.js';
import { readResponsesUsage } from './read-responses-usage.js';
import { responsesFinishReason } from './parse-responses-response.js';
import { readCreated } from '../read-created.js';

/**
 * The tap of a Responses API stream on the fast path: text, reasoning and call
 * deltas (the estimate a cut stream is billed from), the usage and finish reason
 * of `response.completed` / `response.incomplete`, and the failures —
 * `response.failed` and `error` — as GatewayErrors (so the client gets the
 * gateway's redacted `response.failed`, never the upstream's text).
 */
export function createResponsesStreamDecoder(provider: string): StreamDecoder {
  let started = false;
  let finished = false;
  let hasCalls = false;
  /** Output index of each function call → the canonical call index. */
  const calls = new Map<number, number>();
  return {
    decode(event: ServerSentEvent): StreamPart[] {
      let data: Record<string, unknown>;
      try {
        data = parseUpstreamJson(event.data) as Record<string, unknown>;
      } catch (error) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} upstream sent an unreadable stream event.`, { provider, cause: error });
      }
      if (typeof data !== 'object' || data === null) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} upstream sent an unreadable stream event.`, { provider });
      }
      const type = data['type'];
      const response = (typeof data['response'] === 'object' && data['response'] !== null ? data['response'] : {}) as Record<string, unknown>;
      const parts: StreamPart[] = [];
      if (!started && typeof data['response'] === 'object') {
        started = true;
        // An id of {} or 5 is none (it was written "[object Object]"): the gateway then names the answer.
        parts.push({ type: 'stream-start', id: typeof response['id'] === 'string' ? response['id'] : '', model: typeof response['model'] === 'string' ? response['model'] : '', created: readCreated(response['created_at']) });
      }
      switch (type) {
        case 'error':
          throw failure(provider, { message: data['message'], code: data['code'] ?? 'server_error', type: 'server_error', param: data['param'] });
        case 'response.failed': {
          const error = (typeof response['error'] === 'object' && response['error'] !== null ? response['error'] : {}) as Record<string, unknown>;
          throw failure(provider, { message: error['message'], code: error['code'], type: 'server_error' });
        }
        case 'response.output_text.delta':
          if (typeof data['delta'] === 'string') parts.push({ type: 'text-delta', delta: data['delta'] });
          break;
        case 'response.refusal.delta':
          if (typeof data['delta'] === 'string') parts.push({ type: 'refusal-delta', delta: data['delta'] });
          break;
        case 'response.reasoning_summary_text.delta':
        case 'response.reasoning_text.delta':
          if (typeof data['delta'] === 'string') parts.push({ type: 'reasoning-delta', delta: data['delta'] });
          break;
        case 'response.output_item.added': {
          const item = data['item'] as { type?: unknown; call_id?: unknown; name?: unknown } | undefined;
          if (item?.type === 'function_call' && typeof item.call_id === 'string' && typeof item.name === 'string' && typeof data['output_index'] === 'number') {
            hasCalls = true;
            const index = calls.size;
            calls.set(data['output_index'], index);
            parts.push({ type: 'tool-call-start', index, id: item.call_id, name: item.name });
          }
          break;
        }
        case 'response.function_call_arguments.delta': {
          const index = typeof data['output_index'] === 'number' ? calls.get(data['output_index']) : undefined;
          if (index !== undefined && typeof data['delta'] === 'string') parts.push({ type: 'tool-call-delta', index, argumentsDelta: data['delta'] });
          break;
        }
        case 'response.completed':
        case 'response.incomplete': {
          // The final Response is what the client reads the answer from, as a whole answer's
          // (parseResponsesResponse): without an output list it cannot be read, and its output
          // of 5 or {} broke the gateway (it keeps the output for the conversation: an internal_error).
          if (!Array.isArray(response['output'])) {
            throw new GatewayError('upstream_invalid_response', `The ${provider} upstream ended its stream with a Response without an output list.`, { provider });
          }
          finished = true;
          const details = response['incomplete_details'] as { reason?: unknown } | null | undefined;
          parts.push({ type: 'finish', finishReason: responsesFinishReason(response['status'], details?.reason, hasCalls) });
          const usage = readResponsesUsage(response['usage']);
          if (usage) parts.push({ type: 'usage', usage });
          break;
        }
      }
      return parts;
    },
    end(): StreamPart[] {
      if (!finished) throw new GatewayError('upstream_invalid_response', `The ${provider} stream ended before it was complete.`, { provider });
      return [];
    },
  };
}

/** A failed Response's error, said with the status its code names (`rate_limit_exceeded` is a 429), else 500. */
function failure(provider: string, error: Record<string, unknown>): GatewayError {
  const envelope = { error };
  return mapOpenAIErrorBody(provider, inStreamErrorStatus(envelope), envelope);
}
