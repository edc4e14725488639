import {
  GatewayError,
  fromOpenAIFinishReason,
  fromOpenAIUsage,
  type OpenAIChatChunk,
  type ServerSentEvent,
  type StreamDecoder,
  type StreamPart,
} from '@switchyard/core';
import { readTokenChunk } from './token-chunk.js';
import { mapOpenAIErrorBody } from './map-openai-error.js';

/**
 * OpenAI `chat.completion.chunk` events → canonical stream parts. Tool-call indices
 * are kept as the upstream numbers them; parts come out in arrival order.
 */
export function createOpenAIStreamDecoder(provider: string): StreamDecoder {
  let started = false;
  let done = false;
  let finished = false;
  return {
    decode(event: ServerSentEvent): StreamPart[] {
      if (event.data === '[DONE]') {
        done = true;
        return [];
      }
      // Most events are one token of content or of tool-call arguments: read without parsing (the first is parsed, for stream-start).
      if (started) {
        const parts = readTokenChunk(event.data);
        if (parts) return parts;
      }
      let chunk: OpenAIChatChunk & { error?: unknown };
      try {
        chunk = JSON.parse(event.data) as OpenAIChatChunk & { error?: unknown };
      } catch (error) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} upstream sent an unreadable stream event.`, {
          provider,
          cause: error,
        });
      }
      // A failure after the stream began arrives as a data line with a top-level error.
      if (chunk.error) throw mapOpenAIErrorBody(provider, 500, chunk as { error: unknown });
      let parts: StreamPart[] | undefined;
      if (!started) {
        started = true;
        parts = withPart(parts, { type: 'stream-start', id: chunk.id, model: chunk.model, created: chunk.created });
      }
      const choice = chunk.choices?.[0];
      if (choice) {
        const delta = choice.delta ?? {};
        if (delta.reasoning_content) parts = withPart(parts, { type: 'reasoning-delta', delta: delta.reasoning_content });
        if (delta.content) parts = withPart(parts, { type: 'text-delta', delta: delta.content });
        if (delta.refusal) parts = withPart(parts, { type: 'refusal-delta', delta: delta.refusal });
        if (delta.tool_calls) {
          for (const call of delta.tool_calls) {
            if (call.id && call.function?.name) {
              parts = withPart(parts, { type: 'tool-call-start', index: call.index, id: call.id, name: call.function.name });
            }
            if (call.function?.arguments) {
              parts = withPart(parts, { type: 'tool-call-delta', index: call.index, argumentsDelta: call.function.arguments });
            }
          }
        }
        if (choice.finish_reason) {
          finished = true;
          parts = withPart(parts, { type: 'finish', finishReason: fromOpenAIFinishReason(choice.finish_reason) });
        }
      }
      if (chunk.usage) parts = withPart(parts, { type: 'usage', usage: fromOpenAIUsage(chunk.usage) });
      return parts ?? [];
    },
    end(): StreamPart[] {
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
