import type { MockScript } from '../mock-server/mock-script.js';
import { geminiJsonHeaders } from './gemini-error-body.js';
import type { GeminiErrorCase } from './gemini-error-cases.js';
import type { GeminiMockContext } from './gemini-mock-context.js';
import { buildGenerateContentResponse } from './generate/build-generate-content-response.js';
import { buildGenerateContentStreamEvents } from './generate/build-generate-content-stream-events.js';
import { planGeminiReply } from './generate/plan-gemini-reply.js';
import { readGenerateContentRequest } from './generate/read-generate-content-request.js';

/**
 * The default answer to `:generateContent` and `:streamGenerateContent`. With
 * `alt=sse` the stream is Server-Sent Events; without it Gemini streams one JSON
 * array, which the mock sends whole.
 */
export async function respondToGenerateContent(
  context: GeminiMockContext,
  model: string,
  stream: boolean,
  script: MockScript<GeminiErrorCase> = {},
): Promise<void> {
  const { writer, ids } = context;
  const reading = readGenerateContentRequest(context.request.body);
  if ('invalid' in reading) {
    writer.sendJson(400, reading.invalid, { ...geminiJsonHeaders, ...script.headers });
    return;
  }
  const reply = planGeminiReply(reading.request, script.reply);
  const identity = { responseId: ids.response(), modelVersion: model };
  if (!stream) {
    writer.sendText(200, JSON.stringify(buildGenerateContentResponse(identity, reply), null, 2), { ...geminiJsonHeaders, ...script.headers });
  } else if (context.request.query['alt'] === 'sse') {
    const events = buildGenerateContentStreamEvents(identity, reply);
    await writer.sendEvents(events, script.stream, { 'content-type': 'text/event-stream', ...script.headers }, context.errors.streamErrorWire);
  } else {
    writer.sendText(200, JSON.stringify([buildGenerateContentResponse(identity, reply)], null, 2), { ...geminiJsonHeaders, ...script.headers });
  }
}
