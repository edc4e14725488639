import { GatewayError, readEmbeddingsUsage, type HttpEmbeddingsAdapter, type UpstreamEmbeddingsResponse } from '@switchyard/core';
import type { BedrockEndpoint } from './bedrock-endpoint.js';

interface TitanEmbeddingResponse {
  embedding?: unknown;
  inputTextTokenCount?: unknown;
}

/**
 * Titan text embeddings through InvokeModel: `POST /model/{id}/invoke` with
 * `{ inputText, dimensions? }`. Titan embeds one text per call and the adapter
 * contract builds one request, so a request with several inputs is refused with
 * `invalid_request` rather than silently cut; send them one by one.
 */
export function createEmbeddingsAdapter(endpoint: BedrockEndpoint, provider: string): HttpEmbeddingsAdapter {
  return {
    buildRequest(request, model) {
      const [input, ...rest] = request.input;
      if (typeof input !== 'string' || rest.length > 0) {
        throw new GatewayError(
          'invalid_request',
          `${provider} (Titan embeddings) embeds exactly one text per request; send several inputs as separate requests.`,
          { param: 'input', provider },
        );
      }
      const body = { inputText: input, ...(request.dimensions !== undefined && { dimensions: request.dimensions }) };
      return endpoint.post(model, 'invoke', JSON.stringify(body));
    },
    parseResponse(body, _info, call): UpstreamEmbeddingsResponse {
      const answer = body as TitanEmbeddingResponse;
      // Finite numbers only: 1e309 (read as Infinity) reached the client as `null`.
      if (!Array.isArray(answer?.embedding) || !answer.embedding.every((value) => Number.isFinite(value))) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} upstream answered without an embedding.`, { provider });
      }
      // Undefined when missing or unreadable: the gateway bills its estimate of the input, never 0.
      return { model: call.model, embeddings: [answer.embedding as number[]], usage: readEmbeddingsUsage(answer.inputTextTokenCount) };
    },
    readUsage(body) {
      const count = readEmbeddingsUsage((body as TitanEmbeddingResponse | null)?.inputTextTokenCount);
      return count && { inputTokens: count.inputTokens, outputTokens: 0 };
    },
  };
}
