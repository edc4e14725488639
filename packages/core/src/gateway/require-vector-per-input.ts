import type { EmbeddingsRequest, EmbeddingsResponse } from '../canonical/embeddings.js';
import { GatewayError } from '../errors/gateway-error.js';

/**
 * An embeddings answer holds one vector per input, in input order: a client pairs
 * them by place (OpenAI's `index`), so an answer with fewer or more vectors than
 * inputs pairs texts with vectors that are not theirs, unnoticed. Checked here, once
 * for every provider (HTTP adapters, direct operations, custom plugins) and on the
 * whole answer, after an adapter that sends inputs in several calls joined them.
 */
export function requireVectorPerInput<Response extends Pick<EmbeddingsResponse, 'embeddings' | 'base64Embeddings'>>(
  response: Response,
  request: EmbeddingsRequest,
  provider: string,
): Response {
  const vectors = (response.base64Embeddings ?? response.embeddings).length;
  if (vectors === request.input.length) return response;
  throw new GatewayError(
    'upstream_invalid_response',
    `The ${provider} upstream answered with ${vectors} embeddings for ${request.input.length} inputs; which vector belongs to which input is not known.`,
    { provider },
  );
}
