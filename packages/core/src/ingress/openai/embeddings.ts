import { embeddingVectors } from '../../canonical/embedding-vectors.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../canonical/embeddings.js';
import { compileValidator, type Validator } from '../../validation/compile-validator.js';
import { invalidRequest } from '../check-ingress-body.js';
import { checkModelName } from '../check-model-name.js';
import { defaultIngressLimits, type IngressLimits } from '../ingress-limits.js';
import { embeddingsRequestSchema } from './chat-completions-request-schema.js';
import type { OpenAIEmbeddingsRequestBody, OpenAIEmbeddingsResponse } from './openai-wire-types.js';

let validator: Validator<OpenAIEmbeddingsRequestBody> | undefined;

export function prepareEmbeddingsValidator(): void {
  validator ??= compileValidator<OpenAIEmbeddingsRequestBody>(embeddingsRequestSchema, { problems: 'first' });
}

export interface ParsedEmbeddingsRequest {
  request: EmbeddingsRequest;
  encodingFormat: 'float' | 'base64';
}

/** Checks an OpenAI embeddings body (model name bounded by `limits`) and turns it into the canonical request. */
export function parseEmbeddingsRequest(body: unknown, limits: IngressLimits = defaultIngressLimits): ParsedEmbeddingsRequest {
  prepareEmbeddingsValidator();
  const result = validator!(body);
  if (!result.ok) throw invalidRequest(result.problems[0]!.path, result.problems[0]!.message);
  const wire = result.value;
  checkModelName(wire.model, limits.maxModelNameLength);
  const input = normalizeInput(wire.input);
  const request: EmbeddingsRequest = { model: wire.model, input };
  if (wire.dimensions !== undefined) request.dimensions = wire.dimensions;
  if (wire.user !== undefined) request.user = wire.user;
  if (wire.encoding_format === 'base64') request.encodingFormat = 'base64';
  return { request, encodingFormat: wire.encoding_format ?? 'float' };
}

function normalizeInput(input: OpenAIEmbeddingsRequestBody['input']): string[] | number[][] {
  if (typeof input === 'string') return [input];
  if (typeof input[0] === 'number') return [input as number[]];
  return input as string[] | number[][];
}

/**
 * Writes embeddings in OpenAI's shape. `base64` is the little-endian float32 bytes,
 * which is what the official SDKs ask for by default and decode.
 */
export function formatEmbeddingsResponse(
  response: EmbeddingsResponse,
  model: string,
  encodingFormat: 'float' | 'base64',
): OpenAIEmbeddingsResponse {
  // Base64 the upstream sent goes out as it came; floats are decoded only for a float client.
  const data =
    encodingFormat === 'base64' && response.base64Embeddings
      ? response.base64Embeddings.map((embedding, index) => ({ object: 'embedding' as const, index, embedding }))
      : embeddingVectors(response).map((vector, index) => ({
          object: 'embedding' as const,
          index,
          embedding: encodingFormat === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
        }));
  return {
    object: 'list',
    data,
    model,
    usage: { prompt_tokens: response.usage.inputTokens, total_tokens: response.usage.inputTokens },
  };
}
