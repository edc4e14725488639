import type { ChatResponse, Deployment, EmbeddingsResponse, StreamPart, Usage } from '@switchyard/core';
import { isWellFormedResult } from './well-formed-result.js';

/** A provider answer as kept in the cache. */
export type CachedResult =
  /**
   * A whole answer; a stream that finished normally is kept as one too, with `deltas`: the
   * lengths of the deltas each content part was joined from (streamPartsToResponse), so a hit
   * replays the stream's own deltas. As parts, a 500-token stream took ~19 KB for ~2.5 KB of text.
   */
  | { kind: 'chat-response'; response: ChatResponse; deltas?: number[][] }
  /** Every part of a stream, in order, replayed one by one: a stream written by an older version, or one a response cannot hold (storedStream). */
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
  /**
   * True when the answer's usage is the gateway's estimate (its upstream gave none it could
   * read), so a billed hit's record says so as the call's did. Absent in entries written before
   * it was kept (read as the provider's count), and when the count is the provider's.
   */
  usageEstimated?: true;
  /** When it was stored, Unix milliseconds (for `Cache-Control: max-age`). */
  storedAt: number;
}

const resultKinds: ReadonlySet<unknown> = new Set<CachedResult['kind']>(['chat-response', 'chat-stream', 'embeddings']);

/** The last instant a Date holds, in Unix milliseconds. */
const maxTimeMs = 8.64e15;

/**
 * Whether `storedAt` is a time a Date holds, from 1970 on: a hit's `age` header and
 * `max-age` are computed from it, and JSON can write ±1e400 (read as ±Infinity).
 */
function isStoredAt(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= maxTimeMs;
}

/** Whether a value read back from a store is an entry this version understands (checked on every hit). */
export function isCacheEntry(value: unknown): value is CacheEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Partial<CacheEntry>;
  return (
    entry.v === 1 &&
    isStoredAt(entry.storedAt) &&
    (entry.usageEstimated === undefined || entry.usageEstimated === true) &&
    typeof entry.servedBy?.provider === 'string' &&
    typeof entry.result === 'object' &&
    entry.result !== null &&
    resultKinds.has(entry.result.kind) &&
    isWellFormedResult(entry.result)
  );
}

/**
 * The entry a value read back from a store holds: undefined for an entry of another
 * version (a miss, as during an upgrade), and an error for one that claims this
 * version but is not one (corrupt, or forged in a shared store: an answer not typed as
 * the step writes one, isWellFormedResult), so the cache step
 * answers without it and logs its throttled warning. The error names no value.
 */
export function readCacheEntry(value: unknown): CacheEntry | undefined {
  if (isCacheEntry(value)) return value;
  if (typeof value === 'object' && value !== null && (value as { v?: unknown }).v !== 1) return undefined;
  throw new Error('cache entry is unreadable (not an entry of this version, or its storedAt is not a time); it is skipped');
}
