import type { EmbeddingsRequest, EmbeddingsResponse, EmbeddingsUsage } from '../canonical/embeddings.js';
import { checkedUsage } from '../canonical/checked-usage.js';
import { GatewayError, withBilledUsage } from '../errors/gateway-error.js';

/**
 * An embeddings answer holds one vector per input, in input order: a client pairs
 * them by place (OpenAI's `index`), so an answer with fewer or more vectors than
 * inputs pairs texts with vectors that are not theirs, unnoticed. Checked here, once
 * for every provider (HTTP adapters, direct operations, custom plugins) and on the
 * whole answer, after an adapter that sends inputs in several calls joined them.
 *
 * The provider billed such an answer all the same: the token count it named goes with
 * the error (`billedUsage`), as for any answer the gateway could not read. An HTTP
 * answer is checked before the gateway estimates a missing count; without a count of
 * its own, the attempt of a 2xx answer is billed the inputs' estimate (dispatch.ts).
 */
export function requireVectorPerInput<Response extends Pick<EmbeddingsResponse, 'embeddings' | 'base64Embeddings'> & { usage: EmbeddingsUsage | undefined }>(
  response: Response,
  request: EmbeddingsRequest,
  provider: string,
): Response {
  const vectors = (response.base64Embeddings ?? response.embeddings).length;
  if (vectors === request.input.length) return response;
  const failure = new GatewayError(
    'upstream_invalid_response',
    `The ${provider} upstream answered with ${vectors} embeddings for ${request.input.length} inputs; which vector belongs to which input is not known.`,
    { provider },
  );
  // A count of 0 for inputs that have text is no count (withBillableEmbeddingsUsage): nothing to bill.
  const billed = checkedUsage({ inputTokens: response.usage?.inputTokens, outputTokens: 0 });
  throw withBilledUsage(failure, billed?.inputTokens ? billed : undefined);
}
