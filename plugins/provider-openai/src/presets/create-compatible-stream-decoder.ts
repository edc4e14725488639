import { GatewayError, parseUpstreamJson, type ServerSentEvent, type StreamDecoder, type StreamPart, isJsonObject, openAIToolCallArguments } from '@switchyard/core';
import { readTokenChunk } from '../token-chunk.js';
import { fromCompatibleFinishReason, readCompatibleContent } from './read-compatible-content.js';
import { readCompatibleUsage } from './read-compatible-usage.js';
import { inStreamErrorStatus } from '../in-stream-error-status.js';
import { mapCompatibleErrorBody } from './map-compatible-error.js';
import { readCreated } from '../read-created.js';

type Json = Record<string, unknown>;


/**
 * `chat.completion.chunk` events of an OpenAI-compatible service → canonical parts,
 * tolerant of every quirk in openai-compatible/NOTES.md: reasoning as
 * `reasoning_content` or `reasoning`, usage on the finishing chunk, a trailing chunk
 * or `x_groq.usage`, tool calls whole in one delta without `type`, and errors sent
 * as data events after a 200 (`error` at the top level, `object:"error"`, or
 * `finish_reason:"error"`, or an event named `error`). Comment lines (`: keep-alive`)
 * never reach a decoder: the core's SSE parser drops them. A usage after `[DONE]` is
 * not taken: the answer and its count were complete.
 */
export function createCompatibleStreamDecoder(provider: string): StreamDecoder {
  let started = false;
  let done = false;
  let finished = false;
  /** The id each tool call index was started with (made on the first call). */
  let callIds: Map<number, string> | undefined;
  return {
    isComplete: () => done,
    decode(event: ServerSentEvent): StreamPart[] {
      if (event.data === '[DONE]') {
        done = true;
        return [];
      }
      if (event.event === 'error') throw errorEvent(provider, event.data);
      // A chunk in OpenAI's exact shape for one token of content or arguments: read without parsing (the first is parsed, for stream-start).
      if (started) {
        const parts = readTokenChunk(event.data);
        if (parts) return parts;
      }
      let chunk: unknown;
      try {
        chunk = parseUpstreamJson(event.data);
      } catch (error) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} upstream sent an unreadable stream event.`, { provider, cause: error });
      }
      if (!isJsonObject(chunk)) throw new GatewayError('upstream_invalid_response', `The ${provider} upstream sent a stream event that is not an object.`, { provider });
      if (chunk['error'] !== undefined && chunk['error'] !== null) throw streamError(provider, chunk);
      if (chunk['object'] === 'error') throw streamError(provider, chunk);

      const parts: StreamPart[] = [];
      if (!started) {
        started = true;
        parts.push({
          type: 'stream-start',
          id: typeof chunk['id'] === 'string' ? chunk['id'] : '',
          model: typeof chunk['model'] === 'string' ? chunk['model'] : '',
          created: readCreated(chunk['created']),
        });
      }
      const choices = Array.isArray(chunk['choices']) ? chunk['choices'] : [];
      const choice = isJsonObject(choices[0]) ? choices[0] : undefined;
      if (choice) {
        const delta = isJsonObject(choice['delta']) ? choice['delta'] : {};
        const { text, reasoning } = readCompatibleContent(delta);
        if (reasoning) parts.push({ type: 'reasoning-delta', delta: reasoning });
        if (text) parts.push({ type: 'text-delta', delta: text });
        if (typeof delta['refusal'] === 'string' && delta['refusal']) parts.push({ type: 'refusal-delta', delta: delta['refusal'] });
        const toolCalls = Array.isArray(delta['tool_calls']) ? delta['tool_calls'] : [];
        toolCalls.forEach((call, position) => {
          if (!isJsonObject(call)) return;
          // An index that numbers no list place (1e300, -1, 0.5) was passed on to the client as it came.
          const index = typeof call['index'] === 'number' && Number.isSafeInteger(call['index']) && call['index'] >= 0 ? call['index'] : position;
          const fn = isJsonObject(call['function']) ? call['function'] : {};
          // DeepSeek and Qwen are reported to repeat the id and name in every chunk of a call: only the first starts it.
          if (typeof call['id'] === 'string' && call['id'] && typeof fn['name'] === 'string' && (callIds ??= new Map()).get(index) !== call['id']) {
            callIds.set(index, call['id']);
            parts.push({ type: 'tool-call-start', index, id: call['id'], name: fn['name'] });
          }
          // Some compatible servers send a call's arguments whole as a JSON object: read as its JSON text.
          const argumentsDelta = openAIToolCallArguments(fn['arguments']);
          if (argumentsDelta) parts.push({ type: 'tool-call-delta', index, argumentsDelta });
        });
        const finishReason = choice['finish_reason'];
        if (finishReason === 'error') throw streamError(provider, chunk);
        if (typeof finishReason === 'string' && finishReason) {
          finished = true;
          parts.push({ type: 'finish', finishReason: fromCompatibleFinishReason(finishReason) });
        }
      }
      const usage = done ? undefined : readCompatibleUsage(chunk);
      if (usage) parts.push({ type: 'usage', usage });
      return parts;
    },
    end(): StreamPart[] {
      // `[DONE]` before any chunk is no answer, not an empty one: a 200 with nothing in it.
      if (!started) throw new GatewayError('upstream_invalid_response', `The ${provider} stream ended before its first chunk.`, { provider });
      // Some compatible servers omit [DONE]; a stream that said why it finished is complete.
      if (!done && !finished) throw new GatewayError('upstream_invalid_response', `The ${provider} stream ended before it was complete.`, { provider });
      return [];
    },
  };
}

/** An event named `error`: its words are read from JSON in any envelope, never repeated from raw text. */
function errorEvent(provider: string, data: string): GatewayError {
  let body: unknown;
  try {
    body = parseUpstreamJson(data);
  } catch {
    // Not JSON: only the status speaks.
  }
  return mapCompatibleErrorBody(provider, inStreamErrorStatus(body), body);
}

function streamError(provider: string, chunk: Json): GatewayError {
  const body = chunk['error'] !== undefined ? chunk : chunk['object'] === 'error' ? chunk : { error: { message: 'the stream ended with finish_reason "error"' } };
  const status = inStreamErrorStatus(body);
  return mapCompatibleErrorBody(provider, status, body);
}
