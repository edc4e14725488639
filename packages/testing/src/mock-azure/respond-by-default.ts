import { buildEmbeddingsResponse } from '../mock-openai/embeddings/build-embeddings-response.js';
import { respondToChat } from '../mock-openai/respond-to-chat.js';
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
    const dialect = { body: withDeploymentAsModel(context), dressCompletion: toAzureCompletion, dressStreamEvents: toAzureStreamEvents };
    await respondToChat(context, script, dialect);
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

// On a deployment URL the deployment decides the model and the body's `model` is ignored (and may be absent).
function withDeploymentAsModel(context: AzureMockContext): unknown {
  const { request, route } = context;
  if (route?.deployment === undefined || !isRecord(request.body)) return request.body;
  return { ...request.body, model: route.deployment };
}
