import type { RequestListener } from 'node:http';
import { mockRequestListener, type ReceivedRequest } from '../mock-server/mock-request-listener.js';
import type { AbortTracker } from '../mock-server/abort-tracker.js';
import type { MockScript } from '../mock-server/mock-script.js';
import type { RecordedRequest } from '../mock-server/recorded-request.js';
import type { ScriptQueue } from '../mock-server/script-queue.js';
import type { CohereErrorCase, CohereErrorCases } from './cohere-error-cases.js';
import type { CohereMockContext } from './cohere-mock-context.js';
import type { CohereMockIds } from './cohere-mock-ids.js';
import { respondByDefault } from './respond-by-default.js';
import { respondWithScript } from './respond-with-script.js';
import { sendErrorAnswer } from '../mock-server/mock-error-cases.js';

/** The mutable state of one mock server, shared by its handler and its public handle. */
export interface CohereMockState {
  apiKey: string | undefined;
  requests: RecordedRequest[];
  scripts: ScriptQueue;
  aborts: AbortTracker;
  ids: CohereMockIds;
  errors: CohereErrorCases;
  /** Set by `close()`, so the connections it ends are not counted as client aborts. */
  closing: boolean;
}

/** The `node:http` request listener: record, authenticate, then answer by script or by default. */
export function createRequestHandler(state: CohereMockState): RequestListener {
  return mockRequestListener(state, (received) => handle(state, received));
}

async function handle(state: CohereMockState, { req, request, writer, requestId }: ReceivedRequest): Promise<void> {
  if (state.apiKey !== undefined && req.headers.authorization !== `Bearer ${state.apiKey}`) {
    sendErrorAnswer(writer, state.errors.cases.invalid_key);
    return;
  }
  const context: CohereMockContext = { request, writer, ids: state.ids, errors: state.errors, requestId };
  // The shared queue is typed with OpenAI's error names; this mock only ever queues its own.
  const script = state.scripts.take(request.method, request.path) as MockScript<CohereErrorCase> | undefined;
  if (script) await respondWithScript(context, script);
  else await respondByDefault(context);
}
