import { answerScript } from '../mock-server/answer-script.js';
import { sendErrorAnswer, type MockErrorAnswer } from '../mock-server/mock-error-cases.js';
import type { MockScript } from '../mock-server/mock-script.js';
import { replayTextFixture } from '../mock-server/replay-text-fixture.js';
import { geminiJsonHeaders } from './gemini-error-body.js';
import type { GeminiErrorCase } from './gemini-error-cases.js';
import type { GeminiMockContext } from './gemini-mock-context.js';
import { respondByDefault } from './respond-by-default.js';
import { toGeminiJson } from './to-gemini-json.js';

/** Answers a request the way its script says (see MockScript for which field wins). */
export async function respondWithScript(context: GeminiMockContext, script: MockScript<GeminiErrorCase>): Promise<void> {
  await answerScript(context.writer, script, {
    errorCases: context.errors.cases,
    sendError: (answer) => sendErrorCase(context, script, answer),
    replayFixture: (file) =>
      replayTextFixture(context.writer, file, script, {
        fixtures: 'gemini',
        headers: script.headers,
        streamErrorWire: context.errors.streamErrorWire,
        eventStreamHeaders: { 'content-type': 'text/event-stream' },
        jsonHeaders: geminiJsonHeaders,
      }),
    scriptedJsonHeaders: geminiJsonHeaders,
    respondByDefault: () => respondByDefault(context, script),
  });
}

async function sendErrorCase(context: GeminiMockContext, script: MockScript<GeminiErrorCase>, answer: MockErrorAnswer): Promise<void> {
  const { writer } = context;
  // A 200 case (a blocked prompt) asked for as a stream arrives as the stream's one event.
  if (answer.status === 200 && isSseRequest(context)) {
    const event = `data: ${toGeminiJson(answer.body)}\r\n\r\n`;
    await writer.sendEvents([event], script.stream, { 'content-type': 'text/event-stream', ...script.headers }, context.errors.streamErrorWire);
  } else {
    sendErrorAnswer(writer, answer, script.headers);
  }
}

function isSseRequest(context: GeminiMockContext): boolean {
  return context.request.path.endsWith(':streamGenerateContent') && context.request.query['alt'] === 'sse';
}
