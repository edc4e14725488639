import {
  GatewayError,
  type EmbeddingsRequest,
  type HttpEmbeddingsAdapter,
  type OpenAIEmbeddingsRequestBody,
  type OpenAIEmbeddingsResponse,
} from '@switchyard/core';
import type { OpenAIEndpoint } from './openai-endpoint.js';

export function createEmbeddingsAdapter(endpoint: OpenAIEndpoint, provider: string): HttpEmbeddingsAdapter {
  return {
    buildRequest(request: EmbeddingsRequest, model: string) {
      const body: OpenAIEmbeddingsRequestBody = { model, input: request.input, encoding_format: 'float' };
      if (request.dimensions !== undefined) body.dimensions = request.dimensions;
      if (request.user !== undefined) body.user = request.user;
      return endpoint.request('POST', '/embeddings', JSON.stringify(body));
    },
    parseResponse(body: unknown) {
      const response = body as OpenAIEmbeddingsResponse;
      if (!Array.isArray(response?.data)) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} upstream answered without embeddings.`, { provider });
      }
      const ordered = [...response.data].sort((a, b) => a.index - b.index);
      return {
        model: response.model,
        embeddings: ordered.map((item) => (typeof item.embedding === 'string' ? decodeBase64Floats(item.embedding) : item.embedding)),
        usage: { inputTokens: response.usage?.prompt_tokens ?? 0 },
      };
    },
  };
}

/** Some compatible servers answer base64 even when asked for floats. */
function decodeBase64Floats(encoded: string): number[] {
  const bytes = Buffer.from(encoded, 'base64');
  return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
}
