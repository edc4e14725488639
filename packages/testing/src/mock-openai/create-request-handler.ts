import type { RequestListener } from 'node:http';
import { mockRequestListener, type ReceivedRequest } from '../mock-server/mock-request-listener.js';
import type { AbortTracker } from '../mock-server/abort-tracker.js';
import type { MockContext } from './mock-context.js';
import type { MockIds } from './mock-ids.js';
import type { OpenAIErrorCases } from './openai-error-cases.js';
import type { RecordedRequest } from '../mock-server/recorded-request.js';
import { respondByDefault } from './respond-by-default.js';
import { respondWithScript } from './respond-with-script.js';
import type { ScriptQueue } from '../mock-server/script-queue.js';
import { sendErrorAnswer } from '../mock-server/mock-error-cases.js';

/** The mutable state of one mock server, shared by its handler and its public handle. */
export interface MockServerState {
  apiKey: string | undefined;
  requests: RecordedRequest[];
  scripts: ScriptQueue;
  aborts: AbortTracker;
  ids: MockIds;
  errors: OpenAIErrorCases;
  /** Set by `close()`, so the connections it ends are not counted as client aborts. */
  closing: boolean;
}

/** The `node:http` request listener: record, authenticate, then answer by script or by default. */
export function createRequestHandler(state: MockServerState): RequestListener {
  return mockRequestListener(state, (received) => handle(state, received));
}

async function handle(state: MockServerState, { req, request, writer }: ReceivedRequest): Promise<void> {
  const context: MockContext = { request, writer, ids: state.ids, errors: state.errors };
  if (state.apiKey !== undefined && req.headers.authorization !== `Bearer ${state.apiKey}`) {
    sendErrorAnswer(writer, state.errors.cases.invalid_key);
    return;
  }
  const script = state.scripts.take(request.method, request.path);
  if (script) await respondWithScript(context, script);
  else await respondByDefault(context);
}
