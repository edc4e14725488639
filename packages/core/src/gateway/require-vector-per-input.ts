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
 * Its vectors are of one length, not empty, and float32s: an empty vector, or two of
 * other lengths in one answer (a client stores them side by side in one index), was a
 * 200, and a value past float32's range (1e39) reached a base64 client (the SDKs'
 * default) as Infinity, a float client as 1e39. Each is the upstream's failure too.
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
  const vectors = response.base64Embeddings ?? response.embeddings;
  const problem =
    vectors.length !== request.input.length
      ? `${vectors.length} embeddings for ${request.input.length} inputs; which vector belongs to which input is not known`
      : unreadableVectors(vectors);
  if (problem === undefined) return response;
  const failure = new GatewayError('upstream_invalid_response', `The ${provider} upstream answered with ${problem}.`, { provider });
  // A count of 0 for inputs that have text is no count (withBillableEmbeddingsUsage): nothing to bill.
  const billed = checkedUsage({ inputTokens: response.usage?.inputTokens, outputTokens: 0 });
  throw withBilledUsage(failure, billed?.inputTokens ? billed : undefined);
}

/** What is wrong with the vectors (base64 texts or lists of numbers), undefined when nothing is. */
function unreadableVectors(vectors: ReadonlyArray<string | readonly number[]>): string | undefined {
  const length = vectors[0]?.length;
  for (const vector of vectors) {
    if (vector.length === 0) return 'an empty embedding';
    if (vector.length !== length) return 'embeddings of different lengths';
    if (typeof vector !== 'string' && !vector.every(isFloat32)) return 'an embedding value beyond float32 range';
  }
  return undefined;
}

/** A number a float32 holds finite (the vectors' type, and what base64 carries); 1e39 is not. */
const isFloat32 = (value: number): boolean => Number.isFinite(Math.fround(value));
