import { planChatReply } from './chat/plan-chat-reply.js';
import type { MockContext } from './mock-context.js';
import type { MockScript } from '../mock-server/mock-script.js';
import { buildResponseObject, buildResponsesOutput, type ResponsesIdentity } from './responses/build-responses-reply.js';
import { buildResponsesStreamEvents, responsesStreamErrorWire } from './responses/build-responses-stream-events.js';
import { readResponsesRequest } from './responses/read-responses-request.js';

/**
 * The default answer to `POST /v1/responses`, whole or streamed: the same reply
 * the chat responder would give (an echo, a tool-result acknowledgement, a forced
 * call, or the script's `reply`), as a Response object. Nothing is stored; a
 * `previous_response_id` with `store: false` is refused as OpenAI does.
 */
export async function respondToResponses(context: MockContext, script: MockScript = {}): Promise<void> {
  const { writer, ids } = context;
  const reading = readResponsesRequest(context.request.body);
  if ('invalid' in reading) {
    writer.sendJson(400, reading.invalid, script.headers);
    return;
  }
  const { request } = reading;
  const reply = planChatReply(request, ids, script.reply);
  const completion = ids.completion().replace('chatcmpl-', '');
  let items = 0;
  const identity: ResponsesIdentity = {
    id: `resp_${completion}`,
    createdAt: Math.floor(Date.now() / 1000),
    itemId: (prefix) => `${prefix}_${completion}_${++items}`,
  };
  const output = buildResponsesOutput(reply, script.reply?.reasoning, request, identity);
  const status = reply.finishReason === 'length' ? 'incomplete' : 'completed';
  if (request.stream) {
    const events = buildResponsesStreamEvents(request, identity, reply, output, status);
    await writer.sendEvents(events, script.stream, script.headers, responsesStreamErrorWire(script.stream?.errorAfterEvents ?? 2));
  } else {
    writer.sendJson(200, buildResponseObject(request, identity, reply, output, status), script.headers);
  }
}
