import type { CacheEntry } from './cache-entry.js';
import { responseToStreamParts } from './response-to-stream-parts.js';
import { streamPartsToResponse } from './stream-parts-to-response.js';

/** How a request serves a chat answer: as stream parts or as one whole response. */
export type EntryShape = 'stream' | 'whole';

/**
 * The entry with its chat answer in `shape`: the entry itself when it already is
 * (or holds embeddings), otherwise a new entry around the converted answer. The new
 * entry shares the original's nested objects (servedBy, usage, finish reason), so
 * it is as much the caller's to copy before handing out as the original is.
 */
export function entryShapedAs(entry: CacheEntry, shape: EntryShape): CacheEntry {
  const result = entry.result;
  if (shape === 'stream' && result.kind === 'chat-response') return { ...entry, result: { kind: 'chat-stream', parts: responseToStreamParts(result.response, result.deltas) } };
  // A stream that never reported usage would join into a response reporting zero usage, which a
  // hit takes as the call's own: it stays as stored, and the step joins it on each hit as before.
  if (shape === 'whole' && result.kind === 'chat-stream' && (entry.usage || result.parts.some((part) => part.type === 'usage'))) {
    return { ...entry, result: { kind: 'chat-response', response: streamPartsToResponse(result.parts) } };
  }
  return entry;
}
