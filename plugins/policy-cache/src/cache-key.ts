import { createHash } from 'node:crypto';
import type { ChatRequest, Deployment, EmbeddingsRequest } from '@switchyard/core';
import { canonicalJson } from './canonical-json.js';

/** What a cache key is made of. */
export type CacheKeyInput =
  | { endpoint: 'chat'; request: ChatRequest; deployment: Deployment; scope: string }
  | { endpoint: 'embeddings'; request: EmbeddingsRequest; deployment: Deployment; scope: string };

/** Bumped when the key's recipe or the entry format changes, so old entries are never misread. */
const keyVersion = 1;

/**
 * SHA-256 (hex) of everything that decides the answer: the canonical request
 * without the fields that do not change the output (`stream`, the usage-chunk
 * flag, `user`, `metadata`), the deployment it is routed to, and the scope.
 * Streamed and whole requests share a key: either kind of entry serves both.
 */
export function cacheKey(input: CacheKeyInput): string {
  const material = {
    v: keyVersion,
    endpoint: input.endpoint,
    deployment: { provider: input.deployment.provider, model: input.deployment.model },
    scope: input.scope,
    request: input.endpoint === 'chat' ? outputRelevantChat(input.request) : outputRelevantEmbeddings(input.request),
  };
  return createHash('sha256').update(canonicalJson(material)).digest('hex');
}

function outputRelevantChat(request: ChatRequest): Record<string, unknown> {
  // `model` is left out on purpose: the deployment names the real target, so an
  // alias and the `provider/model` it stands for share entries.
  const { stream: _stream, user: _user, metadata: _metadata, model: _model, ...rest } = request;
  const relevant: Record<string, unknown> = { ...rest };
  delete relevant['includeStreamUsage'];
  return relevant;
}

function outputRelevantEmbeddings(request: EmbeddingsRequest): Record<string, unknown> {
  // `encodingFormat` is how the vectors travel, not what they are: an entry of either encoding answers both.
  const { user: _user, model: _model, encodingFormat: _encoding, ...rest } = request;
  return rest;
}
