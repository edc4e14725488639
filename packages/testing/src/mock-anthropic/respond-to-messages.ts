import type { MockScript } from '../mock-server/mock-script.js';
import { anthropicErrorBody } from './anthropic-error-body.js';
import type { AnthropicErrorCase } from './anthropic-error-cases.js';
import type { AnthropicMockContext } from './anthropic-mock-context.js';
import { buildAnthropicMessage } from './messages/build-anthropic-message.js';
import { buildAnthropicStreamEvents } from './messages/build-anthropic-stream-events.js';
import { planAnthropicReply } from './messages/plan-anthropic-reply.js';
import { readMessagesRequest } from './messages/read-messages-request.js';

/** The default answer to `POST /v1/messages`, whole or streamed as the client asked. */
export async function respondToMessages(context: AnthropicMockContext, script: MockScript<AnthropicErrorCase> = {}): Promise<void> {
  const { writer, ids, requestId } = context;
  const headers = { 'request-id': requestId, ...script.headers };
  const reading = readMessagesRequest(context.request.body);
  if ('invalid' in reading) {
    writer.sendJson(400, anthropicErrorBody('invalid_request_error', reading.invalid, requestId), headers);
    return;
  }
  const { request } = reading;
  const reply = planAnthropicReply(request, ids, script.reply);
  const identity = { id: ids.message(), model: request.model };
  if (request.stream) {
    await writer.sendEvents(buildAnthropicStreamEvents(identity, reply), script.stream, headers, context.errors.streamErrorWire);
  } else {
    writer.sendJson(200, buildAnthropicMessage(identity, reply), headers);
  }
}
