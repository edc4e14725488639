import { readFixture } from '../fixtures.js';
import type { MockScript } from '../mock-server/mock-script.js';
import type { CohereErrorCase } from './cohere-error-cases.js';
import type { CohereMockContext } from './cohere-mock-context.js';
import { respondByDefault } from './respond-by-default.js';

/** Answers a request the way its script says (see `MockScript` for which field wins). */
export async function respondWithScript(context: CohereMockContext, script: MockScript<CohereErrorCase>): Promise<void> {
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

async function replayFixture(context: CohereMockContext, file: string, script: MockScript<CohereErrorCase>): Promise<void> {
  const text = readFixture('cohere', file);
  const headers = script.headers ?? {};
  if (file.endsWith('.txt')) {
    await context.writer.sendEvents(splitSseEvents(text), script.stream, headers, context.errors.streamErrorWire);
  } else {
    context.writer.sendText(script.status ?? 200, text, { 'content-type': 'application/json', ...headers });
  }
}

// Each event keeps its blank-line terminator, so the events joined are the file byte for byte.
function splitSseEvents(text: string): string[] {
  return text.split(/(?<=\n\n)/).filter((event) => event !== '');
}

