import { GatewayError, nonEmptyText, parseUpstreamJson, type ServerSentEvent, type StreamDecoder, type StreamPart, isJsonObject } from '@switchyard/core';
import type { CohereUsage } from './cohere-wire-types.js';
import { mapCohereError } from './map-cohere-error.js';
import { mapCohereFinishReason } from './map-cohere-finish-reason.js';
import { mapCohereUsage } from './map-cohere-usage.js';


interface StreamEventData {
  type?: string;
  id?: unknown;
  index?: number;
  /** Text fields as an upstream sent them: strings when well behaved (read with nonEmptyText). */
  delta?: {
    message?: {
      content?: { type?: string; text?: unknown; thinking?: unknown };
      tool_plan?: unknown;
      tool_calls?: unknown;
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
 * `data: [DONE]` may or may not follow and is ignored, as is anything else after message-end. An `error` event is the
 * upstream's error, mapped as an error answer is (inStreamError). A call whose
 * arguments never came (none, or only "") is given `{}` at its tool-call-end (or at
 * message-end), as a whole answer reads it: "" is not JSON to the client.
 */
export function createCohereStreamDecoder(provider: string): StreamDecoder {
  /** Cohere's index of each call started (undefined: a call left out) → the canonical index. */
  const toolIndices = new Map<unknown, number | undefined>();
  let toolCount = 0;
  let finished = false;
  /** Canonical indices of calls started that have had no argument text yet. */
  const withoutArguments = new Set<number>();

  function settleArguments(index: number | undefined): StreamPart[] {
    if (index === undefined || !withoutArguments.delete(index)) return [];
    return [{ type: 'tool-call-delta', index, argumentsDelta: '{}' }];
  }

  function invalid(message: string, cause?: unknown): GatewayError {
    return new GatewayError('upstream_invalid_response', `The ${provider} upstream ${message}.`, { provider, cause });
  }

  return {
    // message-end is the answer's last word: what follows (a `[DONE]`, or more content) is not read.
    isComplete: () => finished,
    decode(event: ServerSentEvent): StreamPart[] {
      if (event.data.trim() === '[DONE]') return [];
      // Before the JSON is read: an error event whose data is not JSON is still the upstream's error.
      if (event.event === 'error') throw inStreamError(provider, event.data);
      let parsed: unknown;
      try {
        parsed = parseUpstreamJson(event.data);
      } catch (error) {
        throw invalid('sent an unreadable stream event', error);
      }
      // `null` or `5` is no event: read as one, its fields threw a TypeError, reported as a broken-off answer.
      if (!isJsonObject(parsed)) throw invalid('sent a stream event that is not an object');
      const data = parsed as StreamEventData;
      const message = data.delta?.message;
      // The data repeats the event name; it covers a proxy that drops `event:` lines.
      switch (event.event ?? data.type) {
        case 'message-start':
          return [{ type: 'stream-start', id: typeof data.id === 'string' ? data.id : '', model: '', created: Math.floor(Date.now() / 1000) }];
        // Only text where text belongs: a text or tool plan of 12345 or {} went to the client as it
        // came, a tool name or id of 5 or {} as "5" or "[object Object]".
        case 'content-start':
        case 'content-delta': {
          const content = message?.content;
          const text = nonEmptyText(content?.text);
          if (text) return [{ type: 'text-delta', delta: text }];
          const thinking = nonEmptyText(content?.thinking);
          if (thinking) return [{ type: 'reasoning-delta', delta: thinking }];
          return [];
        }
        case 'tool-plan-delta': {
          const plan = nonEmptyText(message?.tool_plan);
          return plan ? [{ type: 'reasoning-delta', delta: plan }] : [];
        }
        case 'tool-call-start': {
          const call = isJsonObject(message?.tool_calls) ? message.tool_calls : {};
          const fn = isJsonObject(call['function']) ? call['function'] : {};
          const name = nonEmptyText(fn['name']);
          const key = data.index ?? toolIndices.size;
          if (name === undefined) {
            // A call without a name cannot be made: it is left out, and its argument deltas with it.
            toolIndices.set(key, undefined);
            return [];
          }
          const index = toolCount++;
          toolIndices.set(key, index);
          const parts: StreamPart[] = [{ type: 'tool-call-start', index, id: typeof call['id'] === 'string' ? call['id'] : '', name }];
          const argumentsDelta = nonEmptyText(fn['arguments']);
          if (argumentsDelta) parts.push({ type: 'tool-call-delta', index, argumentsDelta });
          else withoutArguments.add(index);
          return parts;
        }
        case 'tool-call-delta': {
          const call = message?.tool_calls;
          const argumentsDelta = isJsonObject(call) && isJsonObject(call['function']) ? nonEmptyText(call['function']['arguments']) : undefined;
          const index = toolIndices.get(data.index ?? toolIndices.size - 1);
          if (!argumentsDelta || index === undefined) return [];
          withoutArguments.delete(index);
          return [{ type: 'tool-call-delta', index, argumentsDelta }];
        }
        case 'tool-call-end':
          return settleArguments(toolIndices.get(data.index ?? toolIndices.size - 1));
        case 'message-end': {
          // UNCONFIRMED: a failure after the 200 arrives as message-end carrying an `error` text.
          if (typeof data.delta?.error === 'string' && data.delta.error !== '') {
            throw new GatewayError('upstream_server_error', `${provider} failed while streaming.`, { provider });
          }
          finished = true;
          const settled = [...withoutArguments].flatMap(settleArguments);
          const finish: StreamPart = { type: 'finish', finishReason: mapCohereFinishReason(data.delta?.finish_reason) };
          // An unreadable usage is left out: the stream is then billed the gateway's estimate.
          const usage = mapCohereUsage(data.delta?.usage);
          return usage ? [...settled, finish, { type: 'usage', usage }] : [...settled, finish];
        }
        case 'error':
          throw inStreamError(provider, event.data);
        default:
          // content-end, citation-start/-end, debug and later types carry nothing to pass on.
          return [];
      }
    },
    end(): StreamPart[] {
      if (!finished) throw invalid('stream ended before message-end');
      return [];
    },
  };
}

/**
 * An error event inside a 200 stream (`event: error`, or data of `type: "error"` where a
 * proxy dropped the event line), mapped as Cohere's error answers are: by the HTTP status
 * it names, else as a 500. It fell through as an event carrying nothing, and the stream
 * then failed as cut short ("stream ended before message-end"), the upstream's error lost.
 */
function inStreamError(provider: string, data: string): GatewayError {
  let parsed: unknown;
  try {
    parsed = parseUpstreamJson(data);
  } catch {
    // Not JSON: the status alone speaks.
  }
  return mapCohereError(provider, { status: namedStatus(parsed) ?? 500, headers: {}, bodyText: data });
}

/** The HTTP status an error event names (`status_code`, `http_code` or `status`), when it is one of an error. */
function namedStatus(data: unknown): number | undefined {
  if (!isJsonObject(data)) return undefined;
  for (const field of ['status_code', 'http_code', 'status']) {
    const status = data[field];
    if (Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 599) return status as number;
  }
  return undefined;
}
