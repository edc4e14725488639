import { buildChatCompletion } from '../mock-openai/chat/build-chat-completion.js';
import { buildChatStreamEvents } from '../mock-openai/chat/build-chat-stream-events.js';
import { readChatRequest } from '../mock-openai/chat/chat-request-view.js';
import { planChatReply } from '../mock-openai/chat/plan-chat-reply.js';
import { buildEmbeddingsResponse } from '../mock-openai/embeddings/build-embeddings-response.js';
import { isRecord } from '../mock-server/is-record.js';
import type { MockScript } from '../mock-server/mock-script.js';
import type { AzureErrorCase } from './azure-error-cases.js';
import type { AzureMockContext } from './azure-mock-context.js';
import { azureModelsList } from './azure-models-list.js';
import { toAzureCompletion, toAzureStreamEvents } from './to-azure-chat.js';

/** Azure's answer to a path it does not serve. */
export const resourceNotFound = { error: { code: '404', message: 'Resource not found' } };

/** Routes a request to the endpoint's default answer; a script may still shape it (`reply`, `stream`, `headers`). */
export async function respondByDefault(context: AzureMockContext, script: MockScript<AzureErrorCase> = {}): Promise<void> {
  const { request, route, writer } = context;
  const operation = route ? `${request.method} ${route.operation}` : undefined;
  if (route?.style !== 'models' && operation === 'POST /chat/completions') {
    await respondToChat(context, script);
  } else if (route?.style !== 'models' && operation === 'POST /embeddings') {
    const result = buildEmbeddingsResponse(withDeploymentAsModel(context));
    if ('invalid' in result) writer.sendJson(400, result.invalid, script.headers);
    else writer.sendJson(200, result.response, script.headers);
  } else if (route?.style !== 'deployments' && operation === 'GET /models') {
    writer.sendJson(200, azureModelsList(), script.headers);
  } else {
    writer.sendJson(404, resourceNotFound, script.headers);
  }
}

async function respondToChat(context: AzureMockContext, script: MockScript<AzureErrorCase>): Promise<void> {
  const { writer, ids } = context;
  const reading = readChatRequest(withDeploymentAsModel(context));
  if ('invalid' in reading) {
    writer.sendJson(400, reading.invalid, script.headers);
    return;
  }
  const { request } = reading;
  const reply = planChatReply(request, ids, script.reply);
  const identity = { id: ids.completion(), created: Math.floor(Date.now() / 1000), model: request.model };
  if (request.stream) {
    const events = toAzureStreamEvents(buildChatStreamEvents(identity, reply, request));
    await writer.sendEvents(events, script.stream, script.headers, context.errors.streamErrorWire);
  } else {
    writer.sendJson(200, toAzureCompletion(buildChatCompletion(identity, reply)), script.headers);
  }
}

// On a deployment URL the deployment decides the model and the body's `model` is ignored (and may be absent).
function withDeploymentAsModel(context: AzureMockContext): unknown {
  const { request, route } = context;
  if (route?.deployment === undefined || !isRecord(request.body)) return request.body;
  return { ...request.body, model: route.deployment };
}
