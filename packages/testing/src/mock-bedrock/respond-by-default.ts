import { deterministicEmbedding } from '../mock-openai/embeddings/deterministic-embedding.js';
import { estimateTokens } from '../mock-server/estimate-tokens.js';
import { isRecord } from '../mock-server/is-record.js';
import type { MockScript } from '../mock-server/mock-script.js';
import type { BedrockErrorCase } from './bedrock-error-cases.js';
import type { BedrockMockContext } from './bedrock-mock-context.js';
import { lowerCaseKeys, respondToConverse } from './respond-to-converse.js';

const modelPath = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/;

/** Routes a request to the endpoint's default answer; a script may still shape it (`reply`, `stream`, `headers`). */
export async function respondByDefault(context: BedrockMockContext, script: MockScript<BedrockErrorCase> = {}): Promise<void> {
  const { request, writer, requestId } = context;
  const headers = { 'x-amzn-requestid': requestId, ...lowerCaseKeys(script.headers) };
  const match = request.method === 'POST' ? modelPath.exec(request.path) : null;
  if (!match) {
    writer.sendJson(404, { message: 'The requested resource could not be found.' }, { ...headers, 'x-amzn-errortype': 'UnknownOperationException' });
    return;
  }
  const action = match[2];
  if (action === 'invoke') {
    respondToInvoke(context, headers);
    return;
  }
  await respondToConverse(context, action === 'converse-stream', script);
}

/** Titan text embeddings: `{ inputText, dimensions? }` → `{ embedding, inputTextTokenCount }`. */
function respondToInvoke(context: BedrockMockContext, headers: Record<string, string>): void {
  const body = context.request.body;
  const text = isRecord(body) ? body['inputText'] : undefined;
  if (typeof text !== 'string') {
    context.writer.sendJson(400, { message: 'Malformed input request: required key [inputText] not found' }, { ...headers, 'x-amzn-errortype': 'ValidationException' });
    return;
  }
  const dimensions = isRecord(body) && typeof body['dimensions'] === 'number' ? body['dimensions'] : 1024;
  context.writer.sendJson(200, { embedding: [...deterministicEmbedding(text, dimensions)], inputTextTokenCount: estimateTokens(text) }, headers);
}
