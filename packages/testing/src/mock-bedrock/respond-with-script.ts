import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { providerFixturesDir, readFixture } from '../fixtures.js';
import { answerScript } from '../mock-server/answer-script.js';
import type { MockScript } from '../mock-server/mock-script.js';
import type { BedrockErrorCase } from './bedrock-error-cases.js';
import type { BedrockMockContext } from './bedrock-mock-context.js';
import { splitEventFrames } from './encode-event-frame.js';
import { respondByDefault } from './respond-by-default.js';
import { exceptionFrame, lowerCaseKeys } from './respond-to-converse.js';
import { sendEventFrames } from './send-event-frames.js';

/** Answers a request the way its script says (see `MockScript` for which field wins). */
export async function respondWithScript(context: BedrockMockContext, script: MockScript<BedrockErrorCase>): Promise<void> {
  const headers = { 'x-amzn-requestid': context.requestId, ...lowerCaseKeys(script.headers) };
  await answerScript(context.writer, script, {
    errorCases: context.errors.cases,
    errorHeaders: headers,
    replayFixture: (file) => replayFixture(context, file, script, headers),
    scriptedHeaders: headers,
    respondByDefault: () => respondByDefault(context, script),
  });
}

/** `.bin` files are replayed byte for byte as an event stream (one write per frame unless split); others as JSON. */
async function replayFixture(
  context: BedrockMockContext,
  file: string,
  script: MockScript<BedrockErrorCase>,
  headers: Record<string, string>,
): Promise<void> {
  if (file.endsWith('.bin')) {
    const bytes = readBedrockFixtureBytes(file);
    await sendEventFrames(context.res, context.writer, splitEventFrames(bytes), script.stream ?? {}, headers, {
      exceptionFrame: exceptionFrame(context),
      onCut: context.markCut,
    });
  } else {
    context.writer.sendText(script.status ?? 200, readFixture('bedrock', file), { 'content-type': 'application/json', ...headers });
  }
}

/** A binary Bedrock fixture file, as bytes (the text reader would corrupt it). */
export function readBedrockFixtureBytes(file: string): Buffer {
  return readFileSync(join(providerFixturesDir(), 'bedrock', file));
}
