import { hash } from 'node:crypto';
import type { ChatRequest, Deployment, EmbeddingsRequest } from '@switchyard/core';
import { canonicalCopy } from './canonical-json.js';

/** What a cache key is made of. */
export type CacheKeyInput =
  | { endpoint: 'chat'; request: ChatRequest; deployment: Deployment; scope: string }
  | { endpoint: 'embeddings'; request: EmbeddingsRequest; deployment: Deployment; scope: string };

/** Bumped when the key's recipe or the entry format changes, so old entries are never misread. */
const keyVersion = 2;

/**
 * Canonical request fields that do not change a chat answer: how it travels (`stream`,
 * the usage-chunk flag), who it is for (`user`, `metadata`), and `model`, left out on
 * purpose: the deployment names the real target, so an alias and the `provider/model`
 * it stands for share entries. `maxOutputTokensOfKey` only says whose the limit is (the
 * limit itself is keyed).
 */
const chatFieldsWithoutEffect: ReadonlySet<string> = new Set(['stream', 'includeStreamUsage', 'user', 'metadata', 'model', 'maxOutputTokensOfKey']);

/** As for chat; `encodingFormat` is how the vectors travel, not what they are: an entry of either encoding answers both. */
const embeddingsFieldsWithoutEffect: ReadonlySet<string> = new Set(['user', 'model', 'encodingFormat']);

/**
 * SHA-256 (hex) of everything that decides the answer: the canonical request
 * without the fields that do not change the output, the deployment it is routed
 * to, and the scope. Streamed and whole requests share a key: either kind of entry
 * serves both.
 */
export function cacheKey(input: CacheKeyInput): string {
  return hashCacheKeyText(cacheKeyText(input, keyedRequest(input)));
}

/** The request's fields that do not change its answer (left out of the key). */
export function fieldsWithoutEffect(endpoint: CacheKeyInput['endpoint']): ReadonlySet<string> {
  return endpoint === 'chat' ? chatFieldsWithoutEffect : embeddingsFieldsWithoutEffect;
}

/**
 * The request as its key sees it: the canonical copy without the fields that do not
 * change the answer. The canonical copy leaves them out; the request itself is not
 * copied to drop them (this runs on every request).
 */
export function keyedRequest(input: CacheKeyInput): unknown {
  return canonicalCopy(input.request, fieldsWithoutEffect(input.endpoint));
}

/**
 * The text a cache key is the hash of: one JSON array of the version, endpoint,
 * deployment, scope and the keyed request, stringified once (no second text to
 * concatenate and flatten).
 */
export function cacheKeyText(input: CacheKeyInput, request: unknown): string {
  return JSON.stringify([keyVersion, input.endpoint, input.deployment.provider, input.deployment.model, input.scope, request]);
}

/** The cache key of a text from {@link cacheKeyText}. */
export function hashCacheKeyText(text: string): string {
  return hash('sha256', text, 'hex');
}
