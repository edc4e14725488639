import {
  GatewayError,
  decodeBase64Floats,
  readEmbeddingsUsage,
  type EmbeddingsRequest,
  type HttpEmbeddingsAdapter,
  type OpenAIEmbeddingsRequestBody,
  type OpenAIEmbeddingsResponse,
} from '@switchyard/core';
import type { OpenAIEndpoint } from './openai-endpoint.js';

export function createEmbeddingsAdapter(endpoint: OpenAIEndpoint, provider: string): HttpEmbeddingsAdapter {
  return {
    buildRequest(request: EmbeddingsRequest, model: string) {
      // A base64 client gets the upstream's base64 as is: a quarter of the float JSON, and no decoding here.
      const body: OpenAIEmbeddingsRequestBody = { model, input: request.input, encoding_format: request.encodingFormat === 'base64' ? 'base64' : 'float' };
      if (request.dimensions !== undefined) body.dimensions = request.dimensions;
      if (request.user !== undefined) body.user = request.user;
      return endpoint.request('POST', '/embeddings', JSON.stringify(body));
    },
    parseResponse(body: unknown, _info, call) {
      const response = body as OpenAIEmbeddingsResponse;
      if (!Array.isArray(response?.data)) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} upstream answered without embeddings.`, { provider });
      }
      const ordered = [...response.data].sort((a, b) => a.index - b.index);
      // Undefined when missing or unreadable: the gateway bills its estimate of the input, never 0.
      const usage = readEmbeddingsUsage(response.usage?.prompt_tokens);
      if (call.request.encodingFormat === 'base64' && ordered.every((item) => typeof item.embedding === 'string' && isBase64(item.embedding))) {
        return {
          model: response.model,
          embeddings: [],
          base64Embeddings: ordered.map((item) => item.embedding as string),
          usage,
        };
      }
      return {
        model: response.model,
        embeddings: ordered.map((item) => (typeof item.embedding === 'string' ? decodeBase64Floats(item.embedding) : item.embedding)),
        usage,
      };
    },
  };
}

/** Passed on undecoded only when it is what it claims: base64 of whole float32s (a hostile upstream's string is not). */
function isBase64(value: string): boolean {
  return value.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(value) && (value.length / 4) * 3 - (value.match(/=+$/)?.[0].length ?? 0) > 0 && Buffer.byteLength(value, 'base64') % 4 === 0;
}
