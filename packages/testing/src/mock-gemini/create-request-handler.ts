import type { RequestListener } from 'node:http';
import { mockRequestListener, type ReceivedRequest } from '../mock-server/mock-request-listener.js';
import type { AbortTracker } from '../mock-server/abort-tracker.js';
import type { MockScript } from '../mock-server/mock-script.js';
import type { RecordedRequest } from '../mock-server/recorded-request.js';
import type { ScriptQueue } from '../mock-server/script-queue.js';
import type { GeminiErrorCase, GeminiErrorCases } from './gemini-error-cases.js';
import type { GeminiMockContext } from './gemini-mock-context.js';
import type { GeminiMockIds } from './gemini-mock-ids.js';
import { respondByDefault } from './respond-by-default.js';
import { respondWithScript } from './respond-with-script.js';
import { sendErrorAnswer } from '../mock-server/mock-error-cases.js';

/** The mutable state of one mock server, shared by its handler and its public handle. */
export interface GeminiMockState {
  apiKey: string | undefined;
  requests: RecordedRequest[];
  scripts: ScriptQueue;
  aborts: AbortTracker;
  ids: GeminiMockIds;
  errors: GeminiErrorCases;
  /** Set by `close()`, so the connections it ends are not counted as client aborts. */
  closing: boolean;
}

/** `/v1beta/models/x:generateContent` → `/models/x:generateContent`: scripts match paths relative to the base URL. */
export function pathBelowVersion(path: string): string {
  return path.replace(/^\/v1(?:beta)?(?=\/|$)/, '');
}

/** The `node:http` request listener: record, authenticate, then answer by script or by default. */
export function createRequestHandler(state: GeminiMockState): RequestListener {
  return mockRequestListener(state, (received) => handle(state, received));
}

async function handle(state: GeminiMockState, { req, request, writer }: ReceivedRequest): Promise<void> {
  const context: GeminiMockContext = { request, writer, ids: state.ids, errors: state.errors };
  // Gemini takes the key from the header or from `?key=`, and answers a bad one with a 400.
  const key = req.headers['x-goog-api-key'] ?? request.query['key'];
  if (state.apiKey !== undefined && key !== state.apiKey) {
    sendErrorAnswer(writer, state.errors.cases.invalid_key);
    return;
  }
  const script = state.scripts.take(request.method, pathBelowVersion(request.path)) as MockScript<GeminiErrorCase> | undefined;
  if (script) await respondWithScript(context, script);
  else await respondByDefault(context);
}
