import type { AssistantContentPart } from '../canonical/chat-request.js';
import type { FinishReason, UpstreamChatResponse } from '../canonical/chat-response.js';
import type { EmbeddingsUsage, UpstreamEmbeddingsResponse } from '../canonical/embeddings.js';
import type { StreamPart } from '../canonical/stream-part.js';
import { checkedUsage } from '../canonical/checked-usage.js';
import { hasOnlyFiniteBase64Floats } from '../canonical/decode-base64-floats.js';
import { readTokenCount } from '../canonical/read-token-count.js';
import { GatewayError } from '../errors/gateway-error.js';
import { isJsonObject } from '../transport/upstream-wire-values.js';

/**
 * What a direct operation (a provider plugin doing its own work: an SDK, an in-process
 * model) answers is the plugin's word, typed only by its author's intent. Taken as it
 * came, `content: null` or a null part was a TypeError and a 500 `internal_error`;
 * `created: 'x'` or `delta: 42` was written into the client's stream as it was
 * (`"created":x`, not JSON); a usage of -5 or 1.5 tokens went to the ledger. Checked
 * here once per answer (and per streamed part) like an upstream's answer: a malformed
 * one is a 502 `upstream_invalid_response`, as a malformed HTTP answer is, and a usage
 * that is not whole counts is unreadable, billed as the gateway's estimate.
 */

const unifiedReasons = new Set(['stop', 'length', 'tool-calls', 'content-filter', 'error', 'other']);

function malformed(provider: string, what: string): GatewayError {
  return new GatewayError('upstream_invalid_response', `The ${provider} provider answered with ${what}.`, { provider });
}

const isText = (value: unknown): value is string => typeof value === 'string';
const isOptionalText = (value: unknown): boolean => value === undefined || typeof value === 'string';
const isCreated = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isIndex = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

function checkedFinishReason(value: unknown, provider: string): FinishReason {
  if (!isJsonObject(value) || !unifiedReasons.has(value['unified'] as string)) throw malformed(provider, 'a finish reason that is not one of the unified ones');
  const raw = value['raw'];
  return { unified: value['unified'] as FinishReason['unified'], ...(isText(raw) && { raw }) };
}

/** A finish reason that checkedFinishReason would give back unchanged. */
function isFinishReason(value: unknown): boolean {
  return isJsonObject(value) && unifiedReasons.has(value['unified'] as string) && isOptionalText(value['raw']);
}

const isWholeCount = (value: unknown): boolean => typeof value === 'number' && readTokenCount(value) === value;
const isOptionalWholeCount = (value: unknown): boolean => value === undefined || isWholeCount(value);

/** A usage that checkedUsage would bill as it is: whole counts, its details whole or absent. */
function isWholeUsage(value: unknown): boolean {
  return (
    isJsonObject(value) &&
    isWholeCount(value['inputTokens']) &&
    isWholeCount(value['outputTokens']) &&
    isOptionalWholeCount(value['cachedInputTokens']) &&
    isOptionalWholeCount(value['cacheWriteInputTokens']) &&
    isOptionalWholeCount(value['reasoningTokens'])
  );
}

function checkedContentPart(part: unknown, provider: string): AssistantContentPart {
  if (isJsonObject(part)) {
    switch (part['type']) {
      case 'reasoning':
        // The opaque fields go back upstream as they are: text, or none.
        if (isText(part['text']) && isOptionalText(part['signature']) && isOptionalText(part['redactedData'])) return part as unknown as AssistantContentPart;
        break;
      case 'text':
      case 'refusal':
        if (isText(part['text'])) return part as unknown as AssistantContentPart;
        break;
      case 'tool-call':
        if (isText(part['id']) && isText(part['name']) && isText(part['arguments'])) return part as unknown as AssistantContentPart;
        break;
    }
  }
  throw malformed(provider, 'a content part that is not text, reasoning, refusal or a tool call of text fields');
}

/** A direct operation's whole answer, checked: its content parts and fields typed, its usage whole counts or undefined. */
export function checkedDirectAnswer(value: unknown, provider: string): UpstreamChatResponse {
  if (!isJsonObject(value)) throw malformed(provider, 'an answer that is not an object');
  if (!isText(value['id']) || !isText(value['model']) || !isCreated(value['created'])) {
    throw malformed(provider, 'an answer whose id, model or created is not of its type');
  }
  if (!Array.isArray(value['content'])) throw malformed(provider, 'an answer without a content list');
  const content = value['content'].map((part) => checkedContentPart(part, provider));
  const answer = value as unknown as UpstreamChatResponse;
  return { ...answer, content, finishReason: checkedFinishReason(value['finishReason'], provider), usage: checkedUsage(value['usage']) };
}

/**
 * The most characters a stream's id or model is taken with. A chat completion stream
 * repeats both in every chunk: an upstream naming its stream with 100,000 characters
 * each made every one-token chunk 200 KB, 236 KB from the upstream 60 MB to the client,
 * past any bound on what the upstream may send. Real ones are under a hundred
 * (a Bedrock inference-profile ARN included).
 */
export const maxStreamNameChars = 256;

/** The stream-start as it came, or with a name past maxStreamNameChars left empty (the encoder then names the stream itself). */
function boundedStreamNames(part: StreamPart & { type: 'stream-start' }): StreamPart {
  if (part.id.length <= maxStreamNameChars && part.model.length <= maxStreamNameChars) return part;
  return {
    ...part,
    id: part.id.length <= maxStreamNameChars ? part.id : '',
    model: part.model.length <= maxStreamNameChars ? part.model : '',
  };
}

/**
 * One streamed part, checked: a direct operation's, or what an HTTP adapter's stream
 * decoder made (checked-part-decoder.ts). A well-formed part is returned as it is; a
 * usage part without whole counts is dropped (the stream is then billed by its estimate).
 */
export function checkedDirectPart(part: unknown, provider: string): StreamPart | undefined {
  if (isJsonObject(part)) {
    switch (part['type']) {
      case 'stream-start':
        if (isText(part['id']) && isText(part['model']) && isCreated(part['created'])) return boundedStreamNames(part as unknown as StreamPart & { type: 'stream-start' });
        break;
      case 'text-delta':
      case 'reasoning-delta':
      case 'refusal-delta':
        if (isText(part['delta'])) return part as unknown as StreamPart;
        break;
      case 'reasoning-signature':
        if (isText(part['signature'])) return part as unknown as StreamPart;
        break;
      case 'reasoning-redacted':
        if (isText(part['data'])) return part as unknown as StreamPart;
        break;
      case 'tool-call-start':
        if (isIndex(part['index']) && isText(part['id']) && isText(part['name'])) return part as unknown as StreamPart;
        break;
      case 'tool-call-delta':
        if (isIndex(part['index']) && isText(part['argumentsDelta'])) return part as unknown as StreamPart;
        break;
      case 'finish':
        // The part itself when it is well-formed: this runs once per streamed part, and a valid one costs no allocation.
        if (isFinishReason(part['finishReason'])) return part as unknown as StreamPart;
        return { type: 'finish', finishReason: checkedFinishReason(part['finishReason'], provider) };
      case 'usage': {
        if (isWholeUsage(part['usage']) && (part['partial'] === undefined || part['partial'] === true)) return part as unknown as StreamPart;
        const usage = checkedUsage(part['usage']);
        return usage && { type: 'usage', usage, ...(part['partial'] === true && { partial: true }) };
      }
    }
  }
  throw malformed(provider, 'a stream part that is not one of the typed parts, or whose fields are not of their type');
}

/**
 * A direct embeddings answer, checked as a chat answer is (checkedDirectAnswer): a list
 * of vectors of numbers (`embeddings`) or of base64 texts (`base64Embeddings`), and a
 * usage of whole input tokens, else undefined (the gateway then bills its estimate of the
 * input). An answer of `null`, or without its list, was a TypeError and a 500; a vector of
 * text was written to the client as it came; a count of NaN, -3, 1e999, 2.5 or "7" went to
 * the ledger and the budgets as it came. Base64 vectors must hold finite float32s unless
 * `base64PassedOn` (a base64 client gets them as they came, as from an OpenAI upstream).
 */
export function checkedDirectEmbeddings(value: unknown, provider: string, base64PassedOn = false): UpstreamEmbeddingsResponse {
  if (!isJsonObject(value)) throw malformed(provider, 'an embeddings answer that is not an object');
  const base64 = value['base64Embeddings'];
  if (base64 !== undefined) {
    if (!Array.isArray(base64) || !base64.every(isText)) throw malformed(provider, 'base64 embeddings that are not a list of texts');
    // Decoded for a float client (or kept to answer one, by the cache), NaN was written `null`: finite, as a float vector must be.
    if (!base64PassedOn && !base64.every(hasOnlyFiniteBase64Floats)) throw malformed(provider, 'base64 embeddings holding NaN or an infinity');
  } else if (!Array.isArray(value['embeddings']) || !value['embeddings'].every(isVector)) {
    throw malformed(provider, 'embeddings that are not a list of vectors of numbers');
  }
  return { ...(value as unknown as UpstreamEmbeddingsResponse), usage: checkedEmbeddingsUsage(value['usage']) };
}

function checkedEmbeddingsUsage(value: unknown): EmbeddingsUsage | undefined {
  const inputTokens = checkedUsage({ inputTokens: isJsonObject(value) ? value['inputTokens'] : undefined, outputTokens: 0 })?.inputTokens;
  return inputTokens === undefined ? undefined : { inputTokens };
}

const isVector = (value: unknown): boolean => Array.isArray(value) && value.every((number) => typeof number === 'number' && Number.isFinite(number));
