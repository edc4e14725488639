import type { MockScript } from '../mock-server/mock-script.js';
import { anthropicErrorBody } from './anthropic-error-body.js';
import type { AnthropicErrorCase } from './anthropic-error-cases.js';
import type { AnthropicMockContext } from './anthropic-mock-context.js';
import { anthropicModelsList } from './anthropic-models-list.js';
import { respondToMessages } from './respond-to-messages.js';

/** Routes a request to the endpoint's default answer; a script may still shape it (`reply`, `stream`, `headers`). */
export async function respondByDefault(context: AnthropicMockContext, script: MockScript<AnthropicErrorCase> = {}): Promise<void> {
  const { request, writer, requestId } = context;
  const headers = { 'request-id': requestId, ...script.headers };
  const route = `${request.method} ${request.path}`;
  switch (route) {
    case 'POST /v1/messages':
      await respondToMessages(context, script);
      return;
    case 'GET /v1/models':
      writer.sendJson(200, anthropicModelsList(), headers);
      return;
    default:
      writer.sendJson(404, anthropicErrorBody('not_found_error', 'Not Found', requestId), headers);
  }
}
