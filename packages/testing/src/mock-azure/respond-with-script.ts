import { answerScript } from '../mock-server/answer-script.js';
import type { MockScript } from '../mock-server/mock-script.js';
import { replayTextFixture } from '../mock-server/replay-text-fixture.js';
import { azureFixtures, type AzureErrorCase } from './azure-error-cases.js';
import type { AzureMockContext } from './azure-mock-context.js';
import { respondByDefault } from './respond-by-default.js';

/** Answers a request the way its script says (see MockScript for which field wins). */
export async function respondWithScript(context: AzureMockContext, script: MockScript<AzureErrorCase>): Promise<void> {
  await answerScript(context.writer, script, {
    errorCases: context.errors.cases,
    replayFixture: (file) =>
      replayTextFixture(context.writer, file, script, {
        fixtures: azureFixtures,
        headers: script.headers,
        streamErrorWire: context.errors.streamErrorWire,
      }),
    respondByDefault: () => respondByDefault(context, script),
  });
}
