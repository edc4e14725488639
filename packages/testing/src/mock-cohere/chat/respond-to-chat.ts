import type { MockScript } from '../../mock-server/mock-script.js';
import { cohereErrorBody } from '../cohere-error-body.js';
import type { CohereErrorCase } from '../cohere-error-cases.js';
import type { CohereMockContext } from '../cohere-mock-context.js';
import { buildCohereChatResponse } from './build-cohere-chat-response.js';
import { buildCohereStreamEvents } from './build-cohere-stream-events.js';
import { planCohereReply } from './plan-cohere-reply.js';
import { readCohereChatRequest } from './read-cohere-chat-request.js';

/** The default answer to `POST /v2/chat`, whole or streamed as the client asked. */
export async function respondToChat(context: CohereMockContext, script: MockScript<CohereErrorCase> = {}): Promise<void> {
  const { writer, ids, requestId } = context;
  const headers = script.headers ?? {};
  const reading = readCohereChatRequest(context.request.body);
  if ('invalid' in reading) {
    writer.sendJson(reading.status, cohereErrorBody(reading.invalid, requestId), headers);
    return;
  }
  const reply = planCohereReply(reading.request, ids, script.reply);
  const id = ids.response();
  if (reading.request.stream) {
    await writer.sendEvents(buildCohereStreamEvents(id, reply), script.stream, headers, context.errors.streamErrorWire);
  } else {
    writer.sendJson(200, buildCohereChatResponse(id, reply), headers);
  }
}
