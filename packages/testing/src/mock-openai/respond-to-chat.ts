import { buildChatCompletion } from './chat/build-chat-completion.js';
import { buildChatStreamEvents } from './chat/build-chat-stream-events.js';
import { readChatRequest } from './chat/chat-request-view.js';
import { planChatReply } from './chat/plan-chat-reply.js';
import type { MockContext } from './mock-context.js';
import type { MockScript } from '../mock-server/mock-script.js';

/** What a mock of a dialect of the chat wire (Azure's) changes: the body read, and the answer's dress. */
export interface ChatDialect {
  /** The request body as the chat reader should see it. Default: the request's own. */
  body?: unknown;
  /** Dresses a whole answer. */
  dressCompletion?: (completion: Record<string, unknown>) => Record<string, unknown>;
  /** Dresses a streamed answer's events. */
  dressStreamEvents?: (events: readonly string[]) => string[];
}

/** The parts of a mock's context the chat answer uses. */
export type ChatMockContext = Pick<MockContext, 'request' | 'writer' | 'ids'> & { errors: { streamErrorWire: string } };

/** The default answer to `POST /v1/chat/completions`, whole or streamed as the client asked. */
export async function respondToChat(context: ChatMockContext, script: MockScript<string> = {}, dialect: ChatDialect = {}): Promise<void> {
  const { writer, ids } = context;
  const reading = readChatRequest(dialect.body ?? context.request.body);
  if ('invalid' in reading) {
    writer.sendJson(400, reading.invalid, script.headers);
    return;
  }
  const { request } = reading;
  const reply = planChatReply(request, ids, script.reply);
  const identity = { id: ids.completion(), created: Math.floor(Date.now() / 1000), model: request.model };
  if (request.stream) {
    const events = buildChatStreamEvents(identity, reply, request);
    await writer.sendEvents(dialect.dressStreamEvents?.(events) ?? events, script.stream, script.headers, context.errors.streamErrorWire);
  } else {
    const completion = buildChatCompletion(identity, reply);
    writer.sendJson(200, dialect.dressCompletion?.(completion) ?? completion, script.headers);
  }
}
