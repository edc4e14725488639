import {
  GatewayError,
  nonEmptyText,
  fromOpenAIFinishReason,
  parseUpstreamJson,
  type OpenAIChatChunk,
  type ServerSentEvent,
  type StreamDecoder,
  type StreamPart,
  isJsonObject,
  openAIToolCallArguments,
  openAIToolCallIndex,
} from '@switchyard/core';
import { readTokenChunk } from './token-chunk.js';
import { mapOpenAIErrorBody } from './map-openai-error.js';
import { inStreamErrorStatus } from './in-stream-error-status.js';
import { readOpenAIUsage } from './read-openai-usage.js';
import { readCreated } from './read-created.js';

/**
 * OpenAI `chat.completion.chunk` events → canonical stream parts. Tool-call indices
 * are kept as the upstream numbers them; parts come out in arrival order. Errors
 * after a 200 end the stream: a data event with a top-level `error` (OpenAI's), the
 * flat `object:"error"` of servers run behind the openai provider (vLLM), and an
 * event named `error`. A usage after `[DONE]` is not taken: the answer and its
 * count were complete.
 */
export function createOpenAIStreamDecoder(provider: string): StreamDecoder {
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
      if (event.event === 'error') throw inStreamError(provider, parseOrUndefined(event.data));
      // Most events are one token of content or of tool-call arguments: read without parsing (the first is parsed, for stream-start).
      if (started) {
        const parts = readTokenChunk(event.data);
        if (parts) return parts;
      }
      let parsed: unknown;
      try {
        parsed = parseUpstreamJson(event.data);
      } catch (error) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} upstream sent an unreadable stream event.`, {
          provider,
          cause: error,
        });
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} upstream sent a stream event that is not an object.`, { provider });
      }
      const chunk = parsed as Omit<OpenAIChatChunk, 'object'> & { error?: unknown; object?: unknown };
      // A failure after the stream began arrives as a data line with a top-level error.
      if (chunk.error || chunk.object === 'error') throw inStreamError(provider, chunk);
      let parts: StreamPart[] | undefined;
      if (!started) {
        started = true;
        parts = withPart(parts, { type: 'stream-start', ...streamNames(chunk) });
      }
      const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
      if (typeof choice === 'object' && choice !== null) {
        // Only text where text belongs: a content of 12345 or {} is not passed on, and would
        // have made the output estimate NaN (a usage record the ledger then refused).
        const delta: Json = isJsonObject(choice.delta) ? choice.delta : {};
        const reasoning = nonEmptyText(delta['reasoning_content']);
        if (reasoning) parts = withPart(parts, { type: 'reasoning-delta', delta: reasoning });
        const content = nonEmptyText(delta['content']);
        if (content) parts = withPart(parts, { type: 'text-delta', delta: content });
        const refusal = nonEmptyText(delta['refusal']);
        if (refusal) parts = withPart(parts, { type: 'refusal-delta', delta: refusal });
        if (Array.isArray(delta['tool_calls'])) {
          delta['tool_calls'].forEach((call: unknown, position: number) => {
            if (!isJsonObject(call)) return;
            const index = openAIToolCallIndex(call['index'], position);
            const fn = toolCallFields(call);
            const id = nonEmptyText(call['id']);
            // Some compatible servers repeat the id and name in every chunk of a call: only the first starts it.
            if (id && typeof fn['name'] === 'string' && (callIds ??= new Map()).get(index) !== id) {
              callIds.set(index, id);
              parts = withPart(parts, { type: 'tool-call-start', index, id, name: fn['name'] });
            }
            // Some compatible servers send a call's arguments whole as a JSON object: read as its JSON text.
            const argumentsDelta = openAIToolCallArguments(fn['arguments']);
            if (argumentsDelta) parts = withPart(parts, { type: 'tool-call-delta', index, argumentsDelta });
          });
        }
        if (typeof choice.finish_reason === 'string' && choice.finish_reason) {
          finished = true;
          parts = withPart(parts, { type: 'finish', finishReason: fromOpenAIFinishReason(choice.finish_reason) });
        }
      }
      const usage = done ? undefined : readOpenAIUsage(chunk.usage);
      if (usage) parts = withPart(parts, { type: 'usage', usage });
      return parts ?? [];
    },
    end(): StreamPart[] {
      // `[DONE]` before any chunk is no answer, not an empty one: a 200 with nothing in it.
      if (!started) throw new GatewayError('upstream_invalid_response', `The ${provider} stream ended before its first chunk.`, { provider });
      // Some compatible servers omit [DONE]; a stream that said why it finished is complete.
      if (!done && !finished) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} stream ended before it was complete.`, {
          provider,
        });
      }
      return [];
    },
  };
}

type Json = Record<string, unknown>;

/**
 * A delta's call as `{ name, arguments }`: its `function`, or a custom tool's `custom`
 * (`{ name, input }`, which only a request holding custom tools gets, and only on the
 * fast path: there the parts are read for the estimate alone, so a call cut before its
 * usage bills its input as a function call's arguments).
 */
function toolCallFields(call: Json): Json {
  if (isJsonObject(call['function'])) return call['function'];
  const custom = call['function'] === undefined && isJsonObject(call['custom']) ? call['custom'] : undefined;
  return custom ? { name: custom['name'], arguments: custom['input'] } : {};
}


/**
 * The stream's id, model and time as the first chunk names them; what is not of its
 * type is left empty (an encoder then names the stream itself), never passed on:
 * a model of `42` or `{}` became `openai/42` or `openai/[object Object]`.
 */
function streamNames(chunk: Pick<OpenAIChatChunk, 'id' | 'model' | 'created'>): { id: string; model: string; created: number } {
  return {
    id: typeof chunk.id === 'string' ? chunk.id : '',
    model: typeof chunk.model === 'string' ? chunk.model : '',
    created: readCreated(chunk.created),
  };
}

/**
 * An error that came inside a 200 stream: `{error:{…}}`, or a flat error object (its
 * own fields are the error's), or an `error` event whose data is not JSON (its words
 * are not repeated: only the status speaks). The status is the one the error names
 * (Azure's `"429"`, `rate_limit_exceeded`), else 500.
 */
function inStreamError(provider: string, body: unknown): GatewayError {
  const record = typeof body === 'object' && body !== null ? (body as { error?: unknown }) : undefined;
  const envelope = record && typeof record.error === 'object' && record.error !== null ? record : { error: record };
  return mapOpenAIErrorBody(provider, inStreamErrorStatus(envelope), envelope);
}

function parseOrUndefined(text: string): unknown {
  try {
    return parseUpstreamJson(text);
  } catch {
    return undefined;
  }
}

/**
 * Adds a part to an event's parts, made on the first one. An event is usually one
 * token, one part: a one-slot array, where an empty array's first push would grow
 * it to seventeen slots, once per streamed token.
 */
function withPart(parts: StreamPart[] | undefined, part: StreamPart): StreamPart[] {
  if (parts === undefined) return [part];
  parts.push(part);
  return parts;
}
