import type { StreamPart } from '@switchyard/core';
import type { CachedResult } from './cache-entry.js';
import { streamPartsToResponse } from './stream-parts-to-response.js';

/**
 * A finished stream as the cache keeps it: the whole response it joins into, with the
 * lengths of its deltas (a hit replays the same deltas of each content part; a stream's
 * parts written out one object each took ~7 times the bytes of its text). Kept as its
 * parts when a response would lose something a hit replays: counts given before the end
 * (Anthropic's input tokens, which a replay's first event carries) or no final usage.
 */
export function storedStream(parts: StreamPart[]): CachedResult {
  let finalUsage = false;
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index]!;
    if (part.type !== 'usage') continue;
    if (part.partial) return { kind: 'chat-stream', parts };
    finalUsage = true;
  }
  if (!finalUsage) return { kind: 'chat-stream', parts };
  const deltas: number[][] = [];
  return { kind: 'chat-response', response: streamPartsToResponse(parts, deltas), deltas };
}
