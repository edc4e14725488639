import type { MockScript } from '../mock-server/mock-script.js';
import { respondToChat } from './chat/respond-to-chat.js';
import { cohereErrorBody } from './cohere-error-body.js';
import type { CohereErrorCase } from './cohere-error-cases.js';
import type { CohereMockContext } from './cohere-mock-context.js';
import { cohereModelsList } from './cohere-models-list.js';
import { respondToEmbed } from './embed/respond-to-embed.js';

/** Routes a request to the endpoint's default answer; a script may still shape it (`reply`, `stream`, `headers`). */
export async function respondByDefault(context: CohereMockContext, script: MockScript<CohereErrorCase> = {}): Promise<void> {
  const { request, writer, requestId } = context;
  const headers = script.headers ?? {};
  switch (`${request.method} ${request.path}`) {
    case 'POST /v2/chat':
      await respondToChat(context, script);
      return;
    case 'POST /v2/embed':
      respondToEmbed(context, script);
      return;
    case 'GET /v1/models':
      writer.sendJson(200, cohereModelsList(request.query), headers);
      return;
    default:
      writer.sendJson(404, cohereErrorBody(`no route for ${request.method} ${request.path}`, requestId), headers);
  }
}
