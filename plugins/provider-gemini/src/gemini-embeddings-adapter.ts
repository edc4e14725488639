import { GatewayError, readEmbeddingsUsage, type EmbeddingsRequest, type HttpEmbeddingsAdapter, type UpstreamEmbeddingsResponse, type UpstreamResponseInfo } from '@switchyard/core';
import type { GeminiEndpoint } from './gemini-endpoint.js';

interface GeminiEmbeddingsResponse {
  /** `batchEmbedContents`: one per request, in order. */
  embeddings?: Array<{ values?: unknown }>;
  /** `embedContent`: a single vector. */
  embedding?: { values?: unknown };
  usageMetadata?: { promptTokenCount?: unknown };
}

/** Gemini embeddings; `parseResponse` takes the call as a third argument when the core hands it over. */
export interface GeminiEmbeddingsAdapter extends HttpEmbeddingsAdapter {
  parseResponse(body: unknown, info: UpstreamResponseInfo, call?: { model: string }): UpstreamEmbeddingsResponse;
}

/**
 * `models/{model}:batchEmbedContents`: every input in one call, `dimensions` as
 * `outputDimensionality`. Gemini embeds text only, and its answer names neither
 * the model nor (usually) a token count.
 */
export function createGeminiEmbeddingsAdapter(endpoint: GeminiEndpoint, provider: string): GeminiEmbeddingsAdapter {
  return {
    buildRequest(request: EmbeddingsRequest, model: string) {
      const texts = request.input;
      if (!texts.every((item): item is string => typeof item === 'string')) {
        throw new GatewayError('invalid_request', `${provider} embeds text only; token arrays cannot be sent to Gemini.`, { param: 'input' });
      }
      const modelPath = endpoint.modelPath(model);
      const requests = texts.map((text) => ({
        model: modelPath.slice(1),
        content: { parts: [{ text }] },
        ...(request.dimensions !== undefined && { outputDimensionality: request.dimensions }),
      }));
      return endpoint.request('POST', `${modelPath}:batchEmbedContents`, JSON.stringify({ requests }));
    },
    parseResponse(body: unknown, _info: UpstreamResponseInfo, call?: { model: string }) {
      const response = (body ?? {}) as GeminiEmbeddingsResponse;
      const vectors = Array.isArray(response.embeddings)
        ? response.embeddings.map((item) => item?.values)
        : response.embedding
          ? [response.embedding.values]
          : undefined;
      if (!vectors || !vectors.every(isVector)) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} upstream answered without embeddings.`, { provider });
      }
      return {
        model: call?.model ?? '',
        embeddings: vectors,
        // batchEmbedContents gives no count: the gateway bills its estimate of the input, never 0.
        usage: readEmbeddingsUsage(response.usageMetadata?.promptTokenCount),
      };
    },
  };
}

/** A list of finite numbers: 1e309 is read as Infinity, which reached the client as `null`. */
function isVector(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => Number.isFinite(item));
}
