import { capturedJsonStringPattern, jsonIndexPattern, maxMatchedEventLength, unescapeJsonString } from '@switchyard/core';

/** A `content_block_delta` as the decoder reads it: the block's index and its delta. */
export interface BlockDelta {
  index: number;
  delta: { type: 'text_delta'; text: string } | { type: 'thinking_delta'; thinking: string } | { type: 'input_json_delta'; partial_json: string };
}

/**
 * Anthropic's event for one token of a block, exactly as Anthropic writes it: these
 * keys, in this order, each once, with no whitespace, and a delta of text, thinking
 * or tool input. Anything else (a signature or citations delta, spacing, another
 * key) does not match and is parsed as JSON instead (see json-text-patterns in the
 * core for why a match is always valid JSON).
 */
const blockDeltaEvent = new RegExp(
  String.raw`^\{"type":"content_block_delta","index":(${jsonIndexPattern}),"delta":\{"type":"(?:` +
    String.raw`text_delta","text":${capturedJsonStringPattern}|` +
    String.raw`thinking_delta","thinking":${capturedJsonStringPattern}|` +
    String.raw`input_json_delta","partial_json":${capturedJsonStringPattern})\}\}$`,
);

/**
 * The index and delta of a `content_block_delta` event's data in Anthropic's exact
 * shape, or undefined for any other data, and for data longer than
 * `maxMatchedEventLength`: those must be parsed. Most events of a stream are these;
 * reading them this way skips `JSON.parse` of each.
 */
export function readBlockDelta(data: string): BlockDelta | undefined {
  if (data.length > maxMatchedEventLength) return undefined;
  const match = blockDeltaEvent.exec(data);
  if (!match) return undefined;
  const [, index, text, thinking, partialJson] = match;
  const delta: BlockDelta['delta'] =
    text !== undefined
      ? { type: 'text_delta', text: unescapeJsonString(text) }
      : thinking !== undefined
        ? { type: 'thinking_delta', thinking: unescapeJsonString(thinking) }
        : { type: 'input_json_delta', partial_json: unescapeJsonString(partialJson!) };
  return { index: Number(index), delta };
}

/** Whether the data is a `content_block_delta` in Anthropic's exact shape (readBlockDelta reads it), without reading it. */
export function isExactBlockDelta(data: string): boolean {
  return data.length <= maxMatchedEventLength && blockDeltaEvent.test(data);
}
