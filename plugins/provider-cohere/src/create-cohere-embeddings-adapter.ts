import { GatewayError, readEmbeddingsUsage, type EmbeddingsUsage, type HttpEmbeddingsAdapter, type UpstreamEmbeddingsResponse } from '@switchyard/core';
import type { CohereEndpoint } from './cohere-endpoint.js';
import type { CohereEmbeddingInputType } from './cohere-options.js';

interface CohereEmbedResponse {
  embeddings?: { float?: unknown };
  meta?: { billed_units?: { input_tokens?: unknown } };
}

/** The input tokens Cohere billed for an embed answer, undefined when unreadable. */
function readEmbedUsage(answer: CohereEmbedResponse | null): EmbeddingsUsage | undefined {
  return readEmbeddingsUsage(answer?.meta?.billed_units?.input_tokens);
}

/**
 * `POST /v2/embed` for float vectors. Cohere requires an `input_type`, which the
 * OpenAI-shaped request cannot carry, so it comes from the provider options.
 */
export function createCohereEmbeddingsAdapter(endpoint: CohereEndpoint, inputType: CohereEmbeddingInputType, provider: string): HttpEmbeddingsAdapter {
  return {
    buildRequest(request, model) {
      if (!request.input.every((item): item is string => typeof item === 'string')) {
        throw new GatewayError('invalid_request', `${provider} embeds text only, not token ids.`, { param: 'input' });
      }
      const body = {
        model,
        texts: request.input,
        input_type: inputType,
        embedding_types: ['float'],
        ...(request.dimensions !== undefined && { output_dimension: request.dimensions }),
      };
      return endpoint.request('POST', '/v2/embed', JSON.stringify(body));
    },
    parseResponse(body, _info, call): UpstreamEmbeddingsResponse {
      const answer = body as CohereEmbedResponse;
      const vectors = answer?.embeddings?.float;
      // Each a list of finite numbers: a text, an object, null or 1e309 (Infinity, written `null`) was passed on to the client as it came.
      if (!Array.isArray(vectors) || !vectors.every((vector) => Array.isArray(vector) && vector.every((value) => Number.isFinite(value)))) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} embeddings answer has no float vectors.`, { provider });
      }
      // Undefined when missing or unreadable: the gateway bills its estimate of the input, never 0.
      return { model: call.model, embeddings: vectors as number[][], usage: readEmbedUsage(answer) };
    },
    readUsage(body) {
      const count = readEmbedUsage(body as CohereEmbedResponse | null);
      return count && { inputTokens: count.inputTokens, outputTokens: 0 };
    },
  };
}
