import { capturedJsonStringPattern, jsonIndexPattern, jsonStringPattern, maxMatchedEventLength, unescapeJsonString, type StreamPart } from '@switchyard/core';

/**
 * The deltas that make up most chunks: a token of content, of reasoning (DeepSeek
 * names the other field `null` beside it), or a piece of a tool call's arguments.
 */
const delta =
  String.raw`(?:\{"content":${capturedJsonStringPattern}(?:,"reasoning_content":null)?\}` +
  String.raw`|\{(?:"content":null,)?"reasoning_content":${capturedJsonStringPattern}\}` +
  String.raw`|\{"tool_calls":\[\{"index":(${jsonIndexPattern}),"function":\{"arguments":${capturedJsonStringPattern}\}\}\]\})`;

/**
 * OpenAI's chunk for one token, exactly as OpenAI writes it (and Groq, DeepSeek,
 * Mistral, which leaves out `logprobs`, and others with the same keys): these keys,
 * in this order, each once, with no whitespace, and a delta that is one of `delta`.
 * A text that matches holds nothing but that delta for choice 0 (no role, refusal,
 * tool call id or name, logprobs, finish reason, usage or error). Anything else —
 * another key, another order, spacing, an escaped name — does not match and is
 * parsed as JSON instead (see json-text-patterns in the core for why a match is
 * always valid JSON).
 */
const tokenChunk = new RegExp(
  String.raw`^\{"id":${jsonStringPattern},"object":"chat\.completion\.chunk","created":(?:0|[1-9][0-9]{0,15}),"model":${jsonStringPattern}` +
    String.raw`(?:,"service_tier":${jsonStringPattern})?(?:,"system_fingerprint":(?:${jsonStringPattern}|null))?` +
    String.raw`,"choices":\[\{"index":0,"delta":${delta}(?:,"logprobs":null)?,"finish_reason":null\}\]` +
    String.raw`(?:,"usage":null)?(?:,"obfuscation":${jsonStringPattern})?\}$`,
);

/**
 * The parts of a chunk that carries one token of content, reasoning or a tool call's
 * arguments and nothing else (see `tokenChunk`): what the stream decoders make of
 * it once the stream has started. Undefined for any other chunk, which must be
 * parsed, as is a chunk longer than `maxMatchedEventLength`. Reading it this way
 * skips `JSON.parse` of the whole chunk (~1.5 µs and a dozen objects) for most
 * events of a stream.
 */
export function readTokenChunk(data: string): StreamPart[] | undefined {
  if (data.length > maxMatchedEventLength) return undefined;
  const match = tokenChunk.exec(data);
  if (!match) return undefined;
  const [, content, reasoning, toolIndex, toolArguments] = match;
  // An empty string says nothing, as in the decoders.
  if (content !== undefined) return content === '' ? [] : [{ type: 'text-delta', delta: unescapeJsonString(content) }];
  if (reasoning !== undefined) return reasoning === '' ? [] : [{ type: 'reasoning-delta', delta: unescapeJsonString(reasoning) }];
  return toolArguments === '' ? [] : [{ type: 'tool-call-delta', index: Number(toolIndex), argumentsDelta: unescapeJsonString(toolArguments!) }];
}
