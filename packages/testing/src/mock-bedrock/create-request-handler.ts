import type { RequestListener } from 'node:http';
import { mockRequestListener, type ReceivedRequest } from '../mock-server/mock-request-listener.js';
import type { AbortTracker } from '../mock-server/abort-tracker.js';
import type { MockScript } from '../mock-server/mock-script.js';
import type { RecordedRequest } from '../mock-server/recorded-request.js';
import type { ScriptQueue } from '../mock-server/script-queue.js';
import type { BedrockErrorCase, BedrockErrorCases } from './bedrock-error-cases.js';
import type { BedrockMockContext } from './bedrock-mock-context.js';
import type { BedrockMockIds } from './bedrock-mock-ids.js';
import { respondByDefault } from './respond-by-default.js';
import { respondWithScript } from './respond-with-script.js';
import { verifyBedrockAuth, type BedrockMockCredentials } from './verify-bedrock-auth.js';
import { sendErrorAnswer } from '../mock-server/mock-error-cases.js';

/** The mutable state of one mock server, shared by its handler and its public handle. */
export interface BedrockMockState {
  credentials: BedrockMockCredentials;
  requests: RecordedRequest[];
  scripts: ScriptQueue;
  aborts: AbortTracker;
  ids: BedrockMockIds;
  errors: BedrockErrorCases;
  /** Set by `close()`, so the connections it ends are not counted as client aborts. */
  closing: boolean;
}

/** The `node:http` request listener: record, authenticate (SigV4 or API key), then answer by script or by default. */
export function createRequestHandler(state: BedrockMockState): RequestListener {
  return mockRequestListener(state, (received) => handle(state, received));
}

async function handle(state: BedrockMockState, { req, res, request, writer, requestId, markCut }: ReceivedRequest): Promise<void> {
  const refusal = await verifyBedrockAuth(request, state.credentials);
  if (refusal) {
    sendErrorAnswer(writer, state.errors.cases[refusal], { 'x-amzn-requestid': requestId });
    return;
  }
  const context: BedrockMockContext = {
    request,
    writer,
    res,
    ids: state.ids,
    errors: state.errors,
    requestId,
    markCut,
  };
  // The shared queue is typed with OpenAI's error names; this mock only ever queues its own.
  const script = state.scripts.take(request.method, request.path) as MockScript<BedrockErrorCase> | undefined;
  if (script) await respondWithScript(context, script);
  else await respondByDefault(context);
}
