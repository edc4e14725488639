import type { ChatResponse, Deployment, EmbeddingsResponse, StreamPart, Usage } from '@switchyard/core';

/** A provider answer as kept in the cache. */
export type CachedResult =
  | { kind: 'chat-response'; response: ChatResponse }
  /** Every part of a stream that finished normally, in order: replayed one by one. */
  | { kind: 'chat-stream'; parts: StreamPart[] }
  | { kind: 'embeddings'; response: EmbeddingsResponse };

/** One cache entry: the answer, who gave it and what it cost in tokens. */
export interface CacheEntry {
  /** Format version; an entry of another version is a miss. */
  v: 1;
  result: CachedResult;
  /** The deployment that answered; a hit reports it as `servedBy`. */
  servedBy: Deployment;
  /**
   * The original call's usage, so records of a hit show the tokens it saved. Written
   * by older versions only: the answer itself holds it (a response's usage, a stream's
   * last usage part), and is read from there when this is absent.
   */
  usage?: Usage;
  /** When it was stored, Unix milliseconds (for `Cache-Control: max-age`). */
  storedAt: number;
}

const resultKinds: ReadonlySet<unknown> = new Set<CachedResult['kind']>(['chat-response', 'chat-stream', 'embeddings']);

/** Whether a value read back from a store is an entry this version understands (checked on every hit). */
export function isCacheEntry(value: unknown): value is CacheEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Partial<CacheEntry>;
  return (
    entry.v === 1 &&
    typeof entry.storedAt === 'number' &&
    typeof entry.servedBy?.provider === 'string' &&
    typeof entry.result === 'object' &&
    entry.result !== null &&
    resultKinds.has(entry.result.kind)
  );
}
