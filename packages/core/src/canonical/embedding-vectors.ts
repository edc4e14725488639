import { decodeBase64Floats } from './decode-base64-floats.js';
import type { EmbeddingsResponse } from './embeddings.js';

/** The vectors as numbers, decoded from `base64Embeddings` when that is where they are. */
export function embeddingVectors(response: Pick<EmbeddingsResponse, 'embeddings' | 'base64Embeddings'>): number[][] {
  if (!response.base64Embeddings) return response.embeddings;
  return response.base64Embeddings.map(decodeBase64Floats);
}
