import { hasOnlyFiniteBase64Floats, type EmbeddingsResponse } from '@switchyard/core';

/**
 * Whether an embeddings answer could be given to a float client: no base64 vector holding a
 * NaN or an infinity. An OpenAI upstream's base64 goes to a base64 client undecoded, NaN and
 * Infinity included; kept, it answered a float client's hit with `null`s (JSON has no NaN),
 * where that client's own miss is a 502. Float vectors are checked when read from the upstream.
 */
export function hasFiniteVectors(response: Pick<EmbeddingsResponse, 'base64Embeddings'>): boolean {
  return response.base64Embeddings?.every(hasOnlyFiniteBase64Floats) ?? true;
}
