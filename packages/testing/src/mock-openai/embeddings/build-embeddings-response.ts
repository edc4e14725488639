import { estimateTokens } from '../../mock-server/estimate-tokens.js';
import { isRecord } from '../../mock-server/is-record.js';
import { invalidRequestBody, type OpenAIErrorBody } from '../openai-error-body.js';
import { deterministicEmbedding, encodeFloat32Base64 } from './deterministic-embedding.js';

const defaultDimensions = 8;

/**
 * Answers `POST /v1/embeddings` with deterministic vectors, shaped like the
 * fixture `embeddings-response.json`; or returns the 400 body for a bad request.
 * Token-array inputs are hashed by their JSON text and counted one token per item.
 */
export function buildEmbeddingsResponse(body: unknown): { response: Record<string, unknown> } | { invalid: OpenAIErrorBody } {
  if (!isRecord(body)) return { invalid: invalidRequestBody('We could not parse the JSON body of your request.') };
  const { model, input, dimensions = defaultDimensions, encoding_format: encodingFormat = 'float' } = body;
  if (typeof model !== 'string' || model === '') return { invalid: invalidRequestBody('you must provide a model parameter') };
  const inputs = readInputs(input);
  if (!inputs) {
    return { invalid: invalidRequestBody("'input' must be a string, an array of strings, or an array of token arrays", 'input') };
  }
  if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1) {
    return { invalid: invalidRequestBody("'dimensions' must be a positive integer", 'dimensions') };
  }
  if (encodingFormat !== 'float' && encodingFormat !== 'base64') {
    return { invalid: invalidRequestBody("'encoding_format' must be 'float' or 'base64'", 'encoding_format') };
  }

  const data = inputs.map((item, index) => {
    const vector = deterministicEmbedding(item.key, dimensions);
    const embedding = encodingFormat === 'base64' ? encodeFloat32Base64(vector) : Array.from(vector);
    return { object: 'embedding', index, embedding };
  });
  const promptTokens = inputs.reduce((sum, item) => sum + item.tokens, 0);
  return {
    response: { object: 'list', data, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } },
  };
}

interface EmbeddingInput {
  key: string;
  tokens: number;
}

function readInputs(input: unknown): EmbeddingInput[] | undefined {
  if (typeof input === 'string') return [fromText(input)];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((item) => typeof item === 'string')) return input.map(fromText);
  if (input.every(isTokenArray)) return input.map(fromTokens);
  if (isTokenArray(input)) return [fromTokens(input)];
  return undefined;
}

function isTokenArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'number');
}

function fromText(text: string): EmbeddingInput {
  return { key: text, tokens: estimateTokens(text) };
}

function fromTokens(tokens: number[]): EmbeddingInput {
  return { key: JSON.stringify(tokens), tokens: tokens.length };
}
