import { answerScript } from '../mock-server/answer-script.js';
import type { MockScript } from '../mock-server/mock-script.js';
import { replayTextFixture } from '../mock-server/replay-text-fixture.js';
import type { CohereErrorCase } from './cohere-error-cases.js';
import type { CohereMockContext } from './cohere-mock-context.js';
import { respondByDefault } from './respond-by-default.js';

/** Answers a request the way its script says (see `MockScript` for which field wins). */
export async function respondWithScript(context: CohereMockContext, script: MockScript<CohereErrorCase>): Promise<void> {
  await answerScript(context.writer, script, {
    errorCases: context.errors.cases,
    replayFixture: (file) =>
      replayTextFixture(context.writer, file, script, { fixtures: 'cohere', headers: script.headers, streamErrorWire: context.errors.streamErrorWire }),
    respondByDefault: () => respondByDefault(context, script),
  });
}
