import { answerScript } from '../mock-server/answer-script.js';
import type { MockScript } from '../mock-server/mock-script.js';
import { replayTextFixture } from '../mock-server/replay-text-fixture.js';
import type { AnthropicErrorCase } from './anthropic-error-cases.js';
import type { AnthropicMockContext } from './anthropic-mock-context.js';
import { respondByDefault } from './respond-by-default.js';

/** Answers a request the way its script says (see `MockScript` for which field wins). */
export async function respondWithScript(context: AnthropicMockContext, script: MockScript<AnthropicErrorCase>): Promise<void> {
  // Anthropic names its request id in every answer but the fixture's error cases, which carry their own headers.
  const headers = { 'request-id': context.requestId, ...script.headers };
  await answerScript(context.writer, script, {
    errorCases: context.errors.cases,
    replayFixture: (file) =>
      replayTextFixture(context.writer, file, script, { fixtures: 'anthropic', headers, streamErrorWire: context.errors.streamErrorWire }),
    scriptedHeaders: headers,
    respondByDefault: () => respondByDefault(context, script),
  });
}
