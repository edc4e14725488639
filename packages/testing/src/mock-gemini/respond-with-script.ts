import { readFixture } from '../fixtures.js';
import type { MockScript } from '../mock-server/mock-script.js';
import { geminiJsonHeaders } from './gemini-error-body.js';
import type { GeminiErrorCase } from './gemini-error-cases.js';
import type { GeminiMockContext } from './gemini-mock-context.js';
import { respondByDefault } from './respond-by-default.js';
import { toGeminiJson } from './to-gemini-json.js';

/** Answers a request the way its script says (see MockScript for which field wins). */
export async function respondWithScript(context: GeminiMockContext, script: MockScript<GeminiErrorCase>): Promise<void> {
  const { writer } = context;
  if (script.delayMs && !(await writer.pause(script.delayMs))) return;
  if (script.hang) return;

  if (script.error) {
    const answer = context.errors.cases[script.error];
    // A 200 case (a blocked prompt) asked for as a stream arrives as the stream's one event.
    if (answer.status === 200 && isSseRequest(context)) {
      const event = `data: ${toGeminiJson(answer.body)}\r\n\r\n`;
      await writer.sendEvents([event], script.stream, { 'content-type': 'text/event-stream', ...script.headers }, context.errors.streamErrorWire);
    } else {
      writer.sendJson(answer.status, answer.body, { ...answer.headers, ...script.headers });
    }
  } else if (script.fixture) {
    await replayFixture(context, script.fixture, script);
  } else if (script.status !== undefined || script.body !== undefined) {
    writer.sendScripted(script, script.headers, geminiJsonHeaders);
  } else {
    await respondByDefault(context, script);
  }
}

async function replayFixture(context: GeminiMockContext, file: string, script: MockScript<GeminiErrorCase>): Promise<void> {
  const text = readFixture('gemini', file);
  if (file.endsWith('.txt')) {
    await context.writer.sendEvents(splitSseEvents(text), script.stream, { 'content-type': 'text/event-stream', ...script.headers }, context.errors.streamErrorWire);
  } else {
    context.writer.sendText(script.status ?? 200, text, { ...geminiJsonHeaders, ...script.headers });
  }
}

/** Each event keeps its blank-line terminator (CRLF CRLF, LF LF or CR CR), so the events joined are the file byte for byte. */
export function splitSseEvents(text: string): string[] {
  return text.split(/(?<=\r\n\r\n|(?<!\r)\n\n|\r\r(?!\n))/).filter((event) => event !== '');
}


function isSseRequest(context: GeminiMockContext): boolean {
  return context.request.path.endsWith(':streamGenerateContent') && context.request.query['alt'] === 'sse';
}
