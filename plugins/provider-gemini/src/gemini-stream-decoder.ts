import { randomUUID } from 'node:crypto';
import { GatewayError, parseUpstreamJson, withBilledUsage, type FinishReason, type ServerSentEvent, type StreamDecoder, type StreamPart, type Usage } from '@switchyard/core';
import type { GeminiGenerateContentResponse } from './gemini-wire-types.js';
import { inventToolCallId } from './invent-tool-call-id.js';
import { errorEnvelopeStatus, mapGeminiErrorBody, unwrapErrorList } from './map-gemini-error.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';
import { mapGeminiUsage } from './map-gemini-usage.js';
import { readPromptBlock } from './read-prompt-block.js';
import { readFirstCandidate } from './read-gemini-candidate.js';

/**
 * Gemini `alt=sse` events → canonical stream parts. Every event is a whole
 * `GenerateContentResponse`: text arrives as new fragments, a function call arrives
 * whole (so it becomes a start and one delta carrying all its arguments), and usage
 * is a running total whose last value counts, so it is sent once, at the end. Its
 * prompt count is real from the first event: it goes out early as a partial usage
 * (again only if it changes), so a stream cut before the end is billed from it.
 * There is no `[DONE]`: a stream is complete when it said why it finished, and the
 * body is read to its end for the usage; content a later chunk carries is not the answer's.
 */
export function createGeminiStreamDecoder(provider: string): StreamDecoder {
  let started = false;
  let responseId: string | undefined;
  let toolCalls = 0;
  let finish: FinishReason | undefined;
  let usage: Usage | undefined;
  /** The input count the last partial usage part reported. */
  let earlyInput = 0;
  return {
    decode(event: ServerSentEvent): StreamPart[] {
      const chunk = parseChunk(event.data, provider);
      const reading = readFirstCandidate(chunk);
      const parts: StreamPart[] = [];
      if (!reading && !finish) {
        const blocked = readPromptBlock(chunk, provider);
        // Gemini read the prompt and bills it: its count goes with the refusal, as a whole answer's does.
        if (blocked) throw withBilledUsage(blocked, chunk.usageMetadata ? mapGeminiUsage(chunk.usageMetadata) : undefined);
      }
      if (!started) {
        started = true;
        responseId = typeof chunk.responseId === 'string' ? chunk.responseId : undefined;
        parts.push({
          type: 'stream-start',
          id: responseId ?? `gemini-${randomUUID()}`,
          model: typeof chunk.modelVersion === 'string' ? chunk.modelVersion : 'unknown',
          created: Math.floor(Date.now() / 1000),
        });
      }
      // Each usageMetadata is the total so far: an unreadable one leaves none, and the stream is billed the estimate.
      if (chunk.usageMetadata) {
        usage = notBelowEarlier(mapGeminiUsage(chunk.usageMetadata), usage);
        // Cached content and images make the prompt far from what an estimate of its text would say.
        if (usage && usage.inputTokens !== earlyInput && usage.inputTokens > 0) {
          earlyInput = usage.inputTokens;
          parts.push({ type: 'usage', usage, partial: true });
        }
      }
      // No end marker follows a finish: a chunk after it is read for its usage (a running total), its content ignored.
      if (finish) return parts;
      for (const part of reading?.parts ?? []) {
        if (part.type === 'call') {
          const index = toolCalls;
          toolCalls += 1;
          const id = inventToolCallId(responseId, index, part, part.signature);
          parts.push({ type: 'tool-call-start', index, id, name: part.name });
          if (part.arguments !== '') parts.push({ type: 'tool-call-delta', index, argumentsDelta: part.arguments });
        } else {
          parts.push({ type: part.thought ? 'reasoning-delta' : 'text-delta', delta: part.text });
        }
      }
      const candidate = reading?.candidate;
      if (candidate?.finishReason) {
        finish = mapGeminiFinishReason(candidate.finishReason, toolCalls > 0);
        parts.push({ type: 'finish', finishReason: finish });
      }
      return parts;
    },
    end(): StreamPart[] {
      if (!finish) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} stream ended before it was complete.`, { provider });
      }
      return usage ? [{ type: 'usage', usage }] : [];
    },
  };
}

/**
 * A running total does not go down: a prompt count missing or lower than the last chunk's
 * (a 0 in the final chunk) keeps that one, with its cached count, and so does a lower
 * output count, with its thoughts. Taken as it came, the prompt was billed as the
 * gateway's estimate (9 tokens for 4,000), and an output of 30 tokens as 3.
 */
function notBelowEarlier(read: Usage | undefined, before: Usage | undefined): Usage | undefined {
  if (read === undefined || before === undefined) return read;
  const lowerInput = read.inputTokens < before.inputTokens;
  const lowerOutput = read.outputTokens < before.outputTokens;
  if (!lowerInput && !lowerOutput) return read;
  const kept: Usage = { ...read };
  if (lowerInput) keep(kept, before, 'inputTokens', 'cachedInputTokens');
  if (lowerOutput) keep(kept, before, 'outputTokens', 'reasoningTokens');
  return kept;
}

/** `count` and its detail put back as `before` had them (the detail left out when it had none). */
function keep(usage: Usage, before: Usage, count: 'inputTokens' | 'outputTokens', detail: 'cachedInputTokens' | 'reasoningTokens'): void {
  usage[count] = before[count];
  if (before[detail] !== undefined) usage[detail] = before[detail];
  else delete usage[detail];
}

function parseChunk(data: string, provider: string): GeminiGenerateContentResponse {
  let chunk: unknown;
  try {
    chunk = parseUpstreamJson(data);
  } catch (error) {
    throw new GatewayError('upstream_invalid_response', `The ${provider} upstream sent an unreadable stream event.`, { provider, cause: error });
  }
  // A failure after the stream began arrives as an event carrying the error envelope (or a list of it).
  const envelope = unwrapErrorList(chunk);
  if (envelope?.error) {
    throw mapGeminiErrorBody(provider, errorEnvelopeStatus(envelope.error.code), envelope);
  }
  if (typeof chunk !== 'object' || chunk === null || Array.isArray(chunk)) {
    throw new GatewayError('upstream_invalid_response', `The ${provider} upstream sent a stream event that is not an object.`, { provider });
  }
  return chunk as GeminiGenerateContentResponse;
}
