import { readFixture } from '../fixtures.js';
import type { MockContext } from './mock-context.js';
import type { MockScript } from '../mock-server/mock-script.js';
import { respondByDefault } from './respond-by-default.js';

/** Answers a request the way its script says (see {@link MockScript} for which field wins). */
export async function respondWithScript(context: MockContext, script: MockScript): Promise<void> {
  const { writer } = context;
  if (script.delayMs && !(await writer.pause(script.delayMs))) return;
  if (script.hang) return;

  if (script.error) {
    const errorCase = context.errors.cases[script.error];
    writer.sendJson(errorCase.status, errorCase.body, { ...errorCase.headers, ...script.headers });
  } else if (script.fixture) {
    await replayFixture(context, script.fixture, script);
  } else if (script.status !== undefined || script.body !== undefined) {
    writer.sendScripted(script, script.headers);
  } else {
    await respondByDefault(context, script);
  }
}

async function replayFixture(context: MockContext, file: string, script: MockScript): Promise<void> {
  const text = readFixture('openai', file);
  if (file.endsWith('.txt')) {
    await context.writer.sendEvents(splitSseEvents(text), script.stream, script.headers, context.errors.streamErrorWire);
  } else {
    context.writer.sendText(script.status ?? 200, text, { 'content-type': 'application/json', ...script.headers });
  }
}

// Each event keeps its blank-line terminator, so the events joined are the file byte for byte.
function splitSseEvents(text: string): string[] {
  return text.split(/(?<=\n\n)/).filter((event) => event !== '');
}

