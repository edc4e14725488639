import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AbortTracker } from '../mock-server/abort-tracker.js';
import type { MockContext } from './mock-context.js';
import type { MockIds } from './mock-ids.js';
import type { OpenAIErrorCases } from './openai-error-cases.js';
import { readRequestBody } from '../mock-server/read-request-body.js';
import { recordRequest } from '../mock-server/record-request.js';
import type { RecordedRequest } from '../mock-server/recorded-request.js';
import { respondByDefault } from './respond-by-default.js';
import { respondWithScript } from './respond-with-script.js';
import { ResponseWriter } from '../mock-server/response-writer.js';
import { watchForClientAbort } from '../mock-server/watch-for-client-abort.js';
import type { ScriptQueue } from '../mock-server/script-queue.js';

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
export function createRequestHandler(state: MockServerState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const writer = new ResponseWriter(res, state.ids.request());
    handle(state, req, writer).catch((error: unknown) => {
      writer.fail(`Mock upstream failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  };
}

async function handle(state: MockServerState, req: IncomingMessage, writer: ResponseWriter): Promise<void> {
  const rawBody = await readRequestBody(req);
  const request = recordRequest(req, rawBody ?? '');
  state.requests.push(request);
  watchForClientAbort(state, request, writer);
  if (rawBody === undefined || !writer.isOpen) return;

  const context: MockContext = { request, writer, ids: state.ids, errors: state.errors };
  if (state.apiKey !== undefined && req.headers.authorization !== `Bearer ${state.apiKey}`) {
    const unauthorized = state.errors.cases.invalid_key;
    writer.sendJson(unauthorized.status, unauthorized.body, unauthorized.headers);
    return;
  }
  const script = state.scripts.take(request.method, request.path);
  if (script) await respondWithScript(context, script);
  else await respondByDefault(context);
}
