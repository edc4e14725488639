import { deterministicEmbedding } from '../../mock-openai/embeddings/deterministic-embedding.js';
import { isRecord } from '../../mock-server/is-record.js';
import { invalidArgumentBody, type GeminiErrorBody } from '../gemini-error-body.js';
import { readField } from '../generate/read-field.js';

const defaultDimensions = 8;

/**
 * Answers `models/{model}:batchEmbedContents` (`{ embeddings: [{ values }] }`) or
 * `:embedContent` (`{ embedding: { values } }`) with deterministic vectors, or
 * returns the 400 body for a bad request. Each request of a batch must name the
 * model of the URL, as Gemini insists.
 */
export function buildGeminiEmbeddingsResponse(
  body: unknown,
  model: string,
  batch: boolean,
): { response: Record<string, unknown> } | { invalid: GeminiErrorBody } {
  if (!isRecord(body)) return { invalid: invalidArgumentBody('Invalid JSON payload received. Expected an object.') };
  if (!batch) {
    const vector = embed(body, 'embed_content_request');
    return 'invalid' in vector ? vector : { response: { embedding: { values: vector.values } } };
  }
  const requests = body['requests'];
  if (!Array.isArray(requests) || requests.length === 0) {
    return { invalid: invalidArgumentBody('* BatchEmbedContentsRequest.requests: requests is not specified\n', 'requests') };
  }
  const embeddings: Array<{ values: number[] }> = [];
  for (const [index, request] of requests.entries()) {
    const at = `requests[${index}]`;
    if (!isRecord(request)) return { invalid: invalidArgumentBody(`Invalid value at '${at}': expected an object.`, at) };
    if (request['model'] !== model) {
      return {
        invalid: invalidArgumentBody(
          `* BatchEmbedContentsRequest.${at}.model: Model name in each request must match the batch request model "${model}".\n`,
          `${at}.model`,
        ),
      };
    }
    const vector = embed(request, at);
    if ('invalid' in vector) return vector;
    embeddings.push({ values: vector.values });
  }
  return { response: { embeddings } };
}

function embed(request: Record<string, unknown>, at: string): { values: number[] } | { invalid: GeminiErrorBody } {
  const content = request['content'];
  const parts = isRecord(content) ? content['parts'] : undefined;
  const texts = Array.isArray(parts) ? parts.filter(isRecord).map((part) => part['text']) : [];
  if (texts.length === 0 || !texts.every((text): text is string => typeof text === 'string')) {
    return { invalid: invalidArgumentBody(`* ${at}.content: content must have text parts\n`, `${at}.content`) };
  }
  const dimensions = readField(request, 'outputDimensionality') ?? defaultDimensions;
  if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1) {
    return { invalid: invalidArgumentBody(`* ${at}.output_dimensionality: must be a positive integer\n`, `${at}.output_dimensionality`) };
  }
  return { values: Array.from(deterministicEmbedding(texts.join('\n'), dimensions)) };
}
