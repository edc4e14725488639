import { readFixture } from '../fixtures.js';
import { buildEmbeddingsResponse } from './embeddings/build-embeddings-response.js';
import type { MockContext } from './mock-context.js';
import type { MockScript } from '../mock-server/mock-script.js';
import { invalidRequestBody } from './openai-error-body.js';
import { respondToChat } from './respond-to-chat.js';
import { respondToResponses } from './respond-to-responses.js';

/** Routes a request to the endpoint's default answer; a script may still shape it (`reply`, `stream`, `headers`). */
export async function respondByDefault(context: MockContext, script: MockScript = {}): Promise<void> {
  const { request, writer } = context;
  const route = `${request.method} ${request.path}`;
  switch (route) {
    case 'POST /v1/chat/completions':
      await respondToChat(context, script);
      return;
    case 'POST /v1/responses':
      await respondToResponses(context, script);
      return;
    case 'POST /v1/embeddings': {
      const result = buildEmbeddingsResponse(request.body);
      if ('invalid' in result) writer.sendJson(400, result.invalid, script.headers);
      else writer.sendJson(200, result.response, script.headers);
      return;
    }
    case 'GET /v1/models':
      writer.sendText(200, readFixture('openai', 'models-list.json'), { 'content-type': 'application/json', ...script.headers });
      return;
    default:
      // OpenAI's own answer to an unknown route.
      writer.sendJson(404, invalidRequestBody(`Invalid URL (${route})`), script.headers);
  }
}
