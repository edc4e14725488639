import { buildChatCompletion } from './chat/build-chat-completion.js';
import { buildChatStreamEvents } from './chat/build-chat-stream-events.js';
import { readChatRequest } from './chat/chat-request-view.js';
import { planChatReply } from './chat/plan-chat-reply.js';
import type { MockContext } from './mock-context.js';
import type { MockScript } from '../mock-server/mock-script.js';

/** The default answer to `POST /v1/chat/completions`, whole or streamed as the client asked. */
export async function respondToChat(context: MockContext, script: MockScript = {}): Promise<void> {
  const { writer, ids } = context;
  const reading = readChatRequest(context.request.body);
  if ('invalid' in reading) {
    writer.sendJson(400, reading.invalid, script.headers);
    return;
  }
  const { request } = reading;
  const reply = planChatReply(request, ids, script.reply);
  const identity = { id: ids.completion(), created: Math.floor(Date.now() / 1000), model: request.model };
  if (request.stream) {
    const events = buildChatStreamEvents(identity, reply, request);
    await writer.sendEvents(events, script.stream, script.headers, context.errors.streamErrorWire);
  } else {
    writer.sendJson(200, buildChatCompletion(identity, reply), script.headers);
  }
}
