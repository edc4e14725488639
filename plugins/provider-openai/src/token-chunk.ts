import type { StreamPart } from '@switchyard/core';

/** A JSON string: no raw control character, no unescaped quote or backslash, only JSON's escapes. */
const jsonString = String.raw`"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"`;
/** The same, its characters captured. */
const capturedString = String.raw`"((?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*)"`;
/** A JSON integer without a leading zero, short enough to stay exact. */
const integer = String.raw`(?:0|[1-9][0-9]{0,8})`;

/** The two deltas that make up most chunks: a token of content, a piece of a tool call's arguments. */
const delta = String.raw`(?:\{"content":${capturedString}\}|\{"tool_calls":\[\{"index":(${integer}),"function":\{"arguments":${capturedString}\}\}\]\})`;

/**
 * OpenAI's chunk for one token, exactly as OpenAI writes it: these keys, in this
 * order, each once, with no whitespace, and a delta that is one of `delta`. A text
 * that matches holds nothing but that delta for choice 0 (no role, reasoning,
 * refusal, tool call id or name, logprobs, finish reason, usage or error). Anything
 * else — another key, another order, spacing, an escaped name — does not match and
 * is parsed as JSON instead. Strings and numbers follow JSON's grammar, so a match is
 * always valid JSON, and no key can appear twice (JSON.parse would keep the last).
 */
const tokenChunk = new RegExp(
  String.raw`^\{"id":${jsonString},"object":"chat\.completion\.chunk","created":(?:0|[1-9][0-9]{0,15}),"model":${jsonString}` +
    String.raw`(?:,"service_tier":${jsonString})?(?:,"system_fingerprint":(?:${jsonString}|null))?` +
    String.raw`,"choices":\[\{"index":0,"delta":${delta},"logprobs":null,"finish_reason":null\}\]` +
    String.raw`(?:,"usage":null)?(?:,"obfuscation":${jsonString})?\}$`,
);

const unescape = (literal: string): string => (literal.includes('\\') ? (JSON.parse(`"${literal}"`) as string) : literal);

/**
 * The parts of a chunk that carries one token of content or of a tool call's
 * arguments and nothing else (see `tokenChunk`): what the stream decoders make of
 * it once the stream has started. Undefined for any other chunk, which must be
 * parsed. Reading it this way skips `JSON.parse` of the whole chunk (~1.5 µs and a
 * dozen objects) for most events of a stream; only a string holding a backslash is
 * parsed, alone, to unescape it.
 */
export function readTokenChunk(data: string): StreamPart[] | undefined {
  const match = tokenChunk.exec(data);
  if (!match) return undefined;
  const [, content, toolIndex, toolArguments] = match;
  if (content !== undefined) return content === '' ? [] : [{ type: 'text-delta', delta: unescape(content) }];
  return toolArguments === '' ? [] : [{ type: 'tool-call-delta', index: Number(toolIndex), argumentsDelta: unescape(toolArguments!) }];
}
