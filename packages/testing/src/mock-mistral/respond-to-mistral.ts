import { buildEmbeddingsResponse } from '../mock-openai/embeddings/build-embeddings-response.js';
import { readChatRequest } from '../mock-openai/chat/chat-request-view.js';
import { planChatReply } from '../mock-openai/chat/plan-chat-reply.js';
import { answerScript } from '../mock-server/answer-script.js';
import { isRecord } from '../mock-server/is-record.js';
import type { MockScript } from '../mock-server/mock-script.js';
import { replayTextFixture } from '../mock-server/replay-text-fixture.js';
import type { RecordedRequest } from '../mock-server/recorded-request.js';
import type { ResponseWriter } from '../mock-server/response-writer.js';
import { buildMistralCompletion, buildMistralStreamEvents } from './build-mistral-chat.js';
import { checkMistralChatRequest } from './check-mistral-chat-request.js';
import type { MistralErrorCase, MistralErrorCases } from './mistral-error-cases.js';
import type { MistralMockIds } from './mistral-mock-ids.js';

/** Everything a responder needs to answer one request. */
export interface MistralMockContext {
  request: RecordedRequest;
  writer: ResponseWriter;
  ids: MistralMockIds;
  errors: MistralErrorCases;
}

const mockModels = ['mistral-large-latest', 'mistral-medium-latest', 'mistral-small-latest', 'mistral-embed'];

/** Answers the way a script says; see {@link MockScript} for which field wins. */
export async function respondWithScript(context: MistralMockContext, script: MockScript<MistralErrorCase>): Promise<void> {
  await answerScript(context.writer, script, {
    errorCases: context.errors.cases,
    replayFixture: (file) =>
      replayTextFixture(context.writer, file, script, { fixtures: 'mistral', headers: script.headers, streamErrorWire: context.errors.streamErrorWire }),
    respondByDefault: () => respondByDefault(context, script),
  });
}

/** Routes a request to the endpoint's default answer; a script may still shape it (`reply`, `stream`, `headers`). */
export async function respondByDefault(context: MistralMockContext, script: MockScript<MistralErrorCase> = {}): Promise<void> {
  const { request, writer } = context;
  const route = `${request.method} ${request.path}`;
  switch (route) {
    case 'POST /v1/chat/completions':
      await respondToChat(context, script);
      return;
    case 'POST /v1/embeddings':
      respondToEmbeddings(context, script);
      return;
    case 'GET /v1/models':
      writer.sendJson(200, {
        object: 'list',
        data: mockModels.map((id) => ({ id, object: 'model', created: 1764072000, owned_by: 'mistralai' })),
      }, script.headers);
      return;
    default:
      writer.sendJson(404, { detail: 'Not Found' }, script.headers);
  }
}

async function respondToChat(context: MistralMockContext, script: MockScript<MistralErrorCase>): Promise<void> {
  const { writer, ids } = context;
  const refusal = checkMistralChatRequest(context.request.body);
  if (refusal) {
    writer.sendJson(refusal.status, refusal.body, script.headers);
    return;
  }
  const reading = readChatRequest(context.request.body);
  if ('invalid' in reading) {
    writer.sendJson(400, { object: 'error', message: reading.invalid.error.message, type: 'invalid_request_error', param: null, code: null }, script.headers);
    return;
  }
  const body = context.request.body as Record<string, unknown>;
  // Mistral's `any` forces a tool call, like OpenAI's `required`.
  const view = body['tool_choice'] === 'any' ? { ...reading.request, toolChoice: 'required' as const } : reading.request;
  const reply = planChatReply(view, ids, script.reply);
  const identity = { id: ids.completion(), created: Math.floor(Date.now() / 1000), model: view.model };
  if (view.stream) await writer.sendEvents(buildMistralStreamEvents(identity, reply), script.stream, script.headers, context.errors.streamErrorWire);
  else writer.sendJson(200, buildMistralCompletion(identity, reply), script.headers);
}

function respondToEmbeddings(context: MistralMockContext, script: MockScript<MistralErrorCase>): void {
  const body = context.request.body;
  const allowed = new Set(['model', 'input', 'output_dimension', 'output_dtype', 'encoding_format']);
  const extra = isRecord(body) ? Object.keys(body).filter((field) => !allowed.has(field)) : [];
  if (!isRecord(body) || extra.length > 0) {
    const detail = extra.map((field) => ({ type: 'extra_forbidden', loc: ['body', field], msg: 'Extra inputs are not permitted' }));
    context.writer.sendJson(422, { object: 'error', message: { detail }, type: 'invalid_request_message_error', param: null, code: null }, script.headers);
    return;
  }
  const result = buildEmbeddingsResponse({
    model: body['model'],
    input: body['input'],
    ...(body['output_dimension'] !== undefined && { dimensions: body['output_dimension'] }),
  });
  if ('invalid' in result) {
    context.writer.sendJson(400, { object: 'error', message: result.invalid.error.message, type: 'invalid_request_error', param: null, code: null }, script.headers);
  } else {
    context.writer.sendJson(200, { id: context.ids.completion(), ...result.response }, script.headers);
  }
}
