import { estimated } from './estimated-usage.js';
import type { EmbeddingsRequest, EmbeddingsResponse, UpstreamEmbeddingsResponse } from '../canonical/embeddings.js';
import { estimateEmbeddingsTokens } from './estimate-embeddings-tokens.js';

/**
 * An embeddings answer with the usage to bill: the upstream's when it gave one the
 * gateway can read (the same object, nothing made), else the estimate of the input.
 * The client's `usage` is written from it, so it reads what was billed.
 */
export function withBillableEmbeddingsUsage(response: UpstreamEmbeddingsResponse, request: EmbeddingsRequest): EmbeddingsResponse {
  if (response.usage === undefined) response.usage = estimated({ inputTokens: estimateEmbeddingsTokens(request) });
  // 0 tokens for an input that has text is unknown, not free (as for chat: withBillableUsage).
  else if (response.usage.inputTokens === 0) response.usage = estimated({ ...response.usage, inputTokens: estimateEmbeddingsTokens(request) });
  // The usage is set now: the one difference between the two types.
  return response as EmbeddingsResponse;
}
