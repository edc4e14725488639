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
 * it stands for share entries.
 */
const chatFieldsWithoutEffect: ReadonlySet<string> = new Set(['stream', 'includeStreamUsage', 'user', 'metadata', 'model']);

/** As for chat; `encodingFormat` is how the vectors travel, not what they are: an entry of either encoding answers both. */
const embeddingsFieldsWithoutEffect: ReadonlySet<string> = new Set(['user', 'model', 'encodingFormat']);

/**
 * SHA-256 (hex) of everything that decides the answer: the canonical request
 * without the fields that do not change the output, the deployment it is routed
 * to, and the scope. Streamed and whole requests share a key: either kind of entry
 * serves both.
 *
 * The text hashed is one JSON array: the version, endpoint, deployment, scope and
 * the request's canonical copy, stringified once (no second text to concatenate and
 * flatten). The request itself is not copied to drop its fields without effect; the
 * canonical copy leaves them out (this runs on every request).
 */
export function cacheKey(input: CacheKeyInput): string {
  const withoutEffect = input.endpoint === 'chat' ? chatFieldsWithoutEffect : embeddingsFieldsWithoutEffect;
  const material = [keyVersion, input.endpoint, input.deployment.provider, input.deployment.model, input.scope, canonicalCopy(input.request, withoutEffect)];
  return hash('sha256', JSON.stringify(material), 'hex');
}
