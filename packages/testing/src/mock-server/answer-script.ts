import type { OutgoingHttpHeaders } from 'node:http';
import { sendErrorAnswer, type MockErrorAnswer } from './mock-error-cases.js';
import type { MockScript } from './mock-script.js';
import type { ResponseWriter } from './response-writer.js';

/** What one provider's mock answers a script with, where providers differ. */
export interface ScriptAnswers<ErrorCase extends string> {
  /** The provider's `errors.json` cases, for `script.error`. */
  errorCases: Record<ErrorCase, MockErrorAnswer>;
  /** Headers laid over an error case's own. Default: the script's. */
  errorHeaders?: Record<string, string>;
  /** Sends an error case itself, for a provider that answers some case other than as its JSON. */
  sendError?: (answer: MockErrorAnswer) => Promise<void>;
  /** Replays `script.fixture`. */
  replayFixture: (file: string) => Promise<void>;
  /** Headers of a custom `status`/`body` answer. Default: the script's. */
  scriptedHeaders?: OutgoingHttpHeaders;
  /** Headers a custom JSON body carries beneath those, for formats that want more than the content type. */
  scriptedJsonHeaders?: OutgoingHttpHeaders;
  /** The endpoint's default answer, shaped by the script. */
  respondByDefault: () => Promise<void>;
}

/** Answers a request the way its script says (see {@link MockScript} for which field wins). */
export async function answerScript<ErrorCase extends string>(
  writer: ResponseWriter,
  script: MockScript<ErrorCase>,
  answers: ScriptAnswers<ErrorCase>,
): Promise<void> {
  if (script.delayMs && !(await writer.pause(script.delayMs))) return;
  if (script.hang) return;

  if (script.error) {
    const answer = answers.errorCases[script.error];
    if (answers.sendError) await answers.sendError(answer);
    else sendErrorAnswer(writer, answer, answers.errorHeaders ?? script.headers);
  } else if (script.fixture) {
    await answers.replayFixture(script.fixture);
  } else if (script.status !== undefined || script.body !== undefined) {
    writer.sendScripted(script, answers.scriptedHeaders ?? script.headers, answers.scriptedJsonHeaders);
  } else {
    await answers.respondByDefault();
  }
}
