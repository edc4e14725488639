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
    readUsage(body: unknown) {
      const count = readEmbeddingsUsage((body as Partial<OpenAIEmbeddingsResponse> | null)?.usage?.prompt_tokens);
      return count && { inputTokens: count.inputTokens, outputTokens: 0 };
    },
    parseResponse(body: unknown, _info, call) {
      const response = body as Partial<OpenAIEmbeddingsResponse> | null;
      if (!Array.isArray(response?.data)) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} upstream answered without embeddings.`, { provider });
      }
      const ordered = readEmbeddingsData(response.data, provider);
      // Undefined when missing or unreadable: the gateway bills its estimate of the input, never 0.
      const usage = readEmbeddingsUsage(response.usage?.prompt_tokens);
      const model = typeof response.model === 'string' ? response.model : '';
      if (call.request.encodingFormat === 'base64' && ordered.every((embedding) => typeof embedding === 'string')) {
        return { model, embeddings: [], base64Embeddings: ordered as string[], usage };
      }
      return { model, embeddings: toFloatVectors(ordered, provider), usage };
    },
  };
}

/**
 * The vectors of {@link readEmbeddingsData} as lists of numbers, base64 ones decoded. A decoded
 * float32 that is NaN or infinite is the upstream's failure, as 1e309 in a list is: it reached
 * the client's vector as `null`.
 */
export function toFloatVectors(ordered: ReadonlyArray<number[] | string>, provider: string): number[][] {
  return ordered.map((embedding, position) => {
    if (typeof embedding !== 'string') return embedding;
    const vector = decodeBase64Floats(embedding);
    if (!vector.every((value) => Number.isFinite(value))) {
      throw new GatewayError('upstream_invalid_response', `The ${provider} upstream answered with an embedding the gateway cannot read (item ${position}).`, { provider });
    }
    return vector;
  });
}

/**
 * The vectors of an OpenAI-shaped `data` list in input order: each item's `embedding`
 * (a list of finite numbers, or base64 of float32s) put at its `index`, or at its
 * place in the list when it has none. Anything else is the upstream's failure,
 * `upstream_invalid_response`: an item that is not an object (a 500), a vector holding
 * what is not a finite number (1e309, read as Infinity, reached the client as `null`;
 * a vector of 5 or {} was passed on as it came), an index that is not a place in the
 * list (1e300, -1, "x") or names one twice: which vector is whose input is then not
 * known, and a wrong guess would go unnoticed.
 */
export function readEmbeddingsData(data: readonly unknown[], provider: string): Array<number[] | string> {
  const ordered = new Array<number[] | string | undefined>(data.length);
  for (let position = 0; position < data.length; position++) {
    const item = data[position] as { index?: unknown; embedding?: unknown } | null;
    const embedding = typeof item === 'object' && item !== null ? item.embedding : undefined;
    const index = item?.index === undefined ? position : item.index;
    const readable = Array.isArray(embedding) ? embedding.every((value) => Number.isFinite(value)) : typeof embedding === 'string' && isBase64(embedding);
    if (!readable || typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0 || index >= data.length || ordered[index] !== undefined) {
      throw new GatewayError('upstream_invalid_response', `The ${provider} upstream answered with an embedding the gateway cannot read (item ${position}).`, { provider });
    }
    ordered[index] = embedding as number[] | string;
  }
  return ordered as Array<number[] | string>;
}

/** Read (and passed on undecoded to a base64 client) only when it is what it claims: base64 of whole float32s (a hostile upstream's string is not). */
function isBase64(value: string): boolean {
  return value.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(value) && (value.length / 4) * 3 - (value.match(/=+$/)?.[0].length ?? 0) > 0 && Buffer.byteLength(value, 'base64') % 4 === 0;
}
