import { estimateTokens } from '../../mock-server/estimate-tokens.js';
import { isRecord } from '../../mock-server/is-record.js';
import type { MockScript } from '../../mock-server/mock-script.js';
import { deterministicEmbedding } from '../../mock-openai/embeddings/deterministic-embedding.js';
import { cohereErrorBody } from '../cohere-error-body.js';
import type { CohereErrorCase } from '../cohere-error-cases.js';
import type { CohereMockContext } from '../cohere-mock-context.js';

const inputTypes = new Set(['search_document', 'search_query', 'classification', 'clustering', 'image']);
const defaultDimension = 1024;

/**
 * The default answer to `POST /v2/embed`: one deterministic unit vector per text
 * (equal texts, equal vectors) under `embeddings.float`, as Cohere's
 * `embeddings_by_type` answer. `model`, `texts` and `input_type` are required, as
 * they are for Cohere's v3+ models; `output_dimension` sets the length.
 */
export function respondToEmbed(context: CohereMockContext, script: MockScript<CohereErrorCase> = {}): void {
  const { writer, request, requestId, ids } = context;
  const headers = script.headers ?? {};
  const body = request.body;
  const refuse = (message: string) => writer.sendJson(400, cohereErrorBody(`invalid request: ${message}`, requestId), headers);
  if (!isRecord(body) || typeof body['model'] !== 'string' || body['model'] === '') return refuse('model must be a non-empty string');
  const texts = body['texts'];
  if (!Array.isArray(texts) || texts.length === 0 || !texts.every((text) => typeof text === 'string')) {
    return refuse('texts must be a non-empty array of strings');
  }
  if (typeof body['input_type'] !== 'string' || !inputTypes.has(body['input_type'])) {
    return refuse('input_type is required for embed models v3 and higher');
  }
  const types = body['embedding_types'] ?? ['float'];
  if (!Array.isArray(types) || !types.includes('float')) return refuse('the mock only embeds as float');
  const dimension = typeof body['output_dimension'] === 'number' ? body['output_dimension'] : defaultDimension;
  writer.sendJson(
    200,
    {
      id: ids.response(),
      embeddings: { float: texts.map((text: string) => Array.from(deterministicEmbedding(text, dimension))) },
      texts,
      meta: { api_version: { version: '2' }, billed_units: { input_tokens: texts.reduce((sum: number, text: string) => sum + estimateTokens(text), 0) } },
      response_type: 'embeddings_by_type',
    },
    headers,
  );
}
