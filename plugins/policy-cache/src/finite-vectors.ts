import { embeddingVectors, type EmbeddingsResponse } from '@switchyard/core';

/**
 * Whether every number of an embeddings answer's vectors is finite. An OpenAI upstream's
 * base64 goes to a base64 client undecoded, NaN and Infinity included; kept, it answered a
 * float client's hit with `null`s (JSON has no NaN), where its own miss gets the upstream's
 * floats. Float vectors are checked when read from the upstream: only base64 is decoded here.
 */
export function hasFiniteVectors(response: Pick<EmbeddingsResponse, 'embeddings' | 'base64Embeddings'>): boolean {
  if (!response.base64Embeddings) return true;
  return embeddingVectors(response).every((vector) => vector.every((value) => Number.isFinite(value)));
}
