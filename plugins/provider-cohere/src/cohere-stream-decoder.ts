import { GatewayError, parseUpstreamJson, type ServerSentEvent, type StreamDecoder, type StreamPart } from '@switchyard/core';
import type { CohereUsage } from './cohere-wire-types.js';
import { mapCohereFinishReason } from './map-cohere-finish-reason.js';
import { mapCohereUsage } from './map-cohere-usage.js';

interface StreamEventData {
  type?: string;
  id?: unknown;
  index?: number;
  delta?: {
    message?: {
      content?: { type?: string; text?: string; thinking?: string };
      tool_plan?: string;
      tool_calls?: { id?: string; function?: { name?: string; arguments?: string } };
    };
    finish_reason?: string;
    usage?: CohereUsage;
    error?: unknown;
  };
}

/**
 * Cohere's named stream events → canonical parts. `tool-plan-delta` becomes reasoning,
 * as `tool_plan` does in whole answers. Tool calls are numbered from 0 in the order
 * they start, whatever index Cohere gives them. Usage and the finish reason come
 * only with `message-end`; a stream without one was cut short. A trailing
 * `data: [DONE]` may or may not follow and is ignored.
 */
export function createCohereStreamDecoder(provider: string): StreamDecoder {
  const toolIndices = new Map<number, number>();
  let finished = false;

  function invalid(message: string, cause?: unknown): GatewayError {
    return new GatewayError('upstream_invalid_response', `The ${provider} upstream ${message}.`, { provider, cause });
  }

  return {
    decode(event: ServerSentEvent): StreamPart[] {
      if (event.data.trim() === '[DONE]') return [];
      let data: StreamEventData;
      try {
        data = parseUpstreamJson(event.data) as StreamEventData;
      } catch (error) {
        throw invalid('sent an unreadable stream event', error);
      }
      const message = data.delta?.message;
      // The data repeats the event name; it covers a proxy that drops `event:` lines.
      switch (event.event ?? data.type) {
        case 'message-start':
          return [{ type: 'stream-start', id: typeof data.id === 'string' ? data.id : '', model: '', created: Math.floor(Date.now() / 1000) }];
        case 'content-start':
        case 'content-delta': {
          const content = message?.content;
          if (content?.text) return [{ type: 'text-delta', delta: content.text }];
          if (content?.thinking) return [{ type: 'reasoning-delta', delta: content.thinking }];
          return [];
        }
        case 'tool-plan-delta':
          return message?.tool_plan ? [{ type: 'reasoning-delta', delta: message.tool_plan }] : [];
        case 'tool-call-start': {
          const call = message?.tool_calls;
          const index = toolIndices.size;
          toolIndices.set(data.index ?? index, index);
          const parts: StreamPart[] = [{ type: 'tool-call-start', index, id: String(call?.id ?? ''), name: String(call?.function?.name ?? '') }];
          if (call?.function?.arguments) parts.push({ type: 'tool-call-delta', index, argumentsDelta: call.function.arguments });
          return parts;
        }
        case 'tool-call-delta': {
          const argumentsDelta = message?.tool_calls?.function?.arguments;
          const index = toolIndices.get(data.index ?? toolIndices.size - 1);
          if (!argumentsDelta || index === undefined) return [];
          return [{ type: 'tool-call-delta', index, argumentsDelta }];
        }
        case 'message-end': {
          // UNCONFIRMED: a failure after the 200 arrives as message-end carrying an `error` text.
          if (typeof data.delta?.error === 'string' && data.delta.error !== '') {
            throw new GatewayError('upstream_server_error', `${provider} failed while streaming.`, { provider });
          }
          finished = true;
          const finish: StreamPart = { type: 'finish', finishReason: mapCohereFinishReason(data.delta?.finish_reason) };
          // An unreadable usage is left out: the stream is then billed the gateway's estimate.
          const usage = mapCohereUsage(data.delta?.usage);
          return usage ? [finish, { type: 'usage', usage }] : [finish];
        }
        default:
          // content-end, tool-call-end, citation-start/-end, debug and later types carry nothing to pass on.
          return [];
      }
    },
    end(): StreamPart[] {
      if (!finished) throw invalid('stream ended before message-end');
      return [];
    },
  };
}
