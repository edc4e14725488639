import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AbortTracker } from '../mock-server/abort-tracker.js';
import type { MockScript } from '../mock-server/mock-script.js';
import { readRequestBody } from '../mock-server/read-request-body.js';
import { recordRequest } from '../mock-server/record-request.js';
import type { RecordedRequest } from '../mock-server/recorded-request.js';
import { ResponseWriter } from '../mock-server/response-writer.js';
import { watchForClientAbort } from '../mock-server/watch-for-client-abort.js';
import type { ScriptQueue } from '../mock-server/script-queue.js';
import type { CohereErrorCase, CohereErrorCases } from './cohere-error-cases.js';
import type { CohereMockContext } from './cohere-mock-context.js';
import type { CohereMockIds } from './cohere-mock-ids.js';
import { respondByDefault } from './respond-by-default.js';
import { respondWithScript } from './respond-with-script.js';

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
export function createRequestHandler(state: CohereMockState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = state.ids.request();
    const writer = new ResponseWriter(res, requestId);
    handle(state, req, writer, requestId).catch((error: unknown) => {
      writer.fail(`Mock upstream failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  };
}

async function handle(state: CohereMockState, req: IncomingMessage, writer: ResponseWriter, requestId: string): Promise<void> {
  const rawBody = await readRequestBody(req);
  const request = recordRequest(req, rawBody ?? '');
  state.requests.push(request);
  watchForClientAbort(state, request, writer);
  if (rawBody === undefined || !writer.isOpen) return;

  if (state.apiKey !== undefined && req.headers.authorization !== `Bearer ${state.apiKey}`) {
    const unauthorized = state.errors.cases.invalid_key;
    writer.sendJson(unauthorized.status, unauthorized.body, unauthorized.headers);
    return;
  }
  const context: CohereMockContext = { request, writer, ids: state.ids, errors: state.errors, requestId };
  // The shared queue is typed with OpenAI's error names; this mock only ever queues its own.
  const script = state.scripts.take(request.method, request.path) as MockScript<CohereErrorCase> | undefined;
  if (script) await respondWithScript(context, script);
  else await respondByDefault(context);
}
