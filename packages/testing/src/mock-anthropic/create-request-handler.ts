import type { IncomingMessage, RequestListener } from 'node:http';
import { mockRequestListener, type ReceivedRequest } from '../mock-server/mock-request-listener.js';
import type { AbortTracker } from '../mock-server/abort-tracker.js';
import type { MockScript } from '../mock-server/mock-script.js';
import type { RecordedRequest } from '../mock-server/recorded-request.js';
import type { ScriptQueue } from '../mock-server/script-queue.js';
import { anthropicErrorBody } from './anthropic-error-body.js';
import type { AnthropicErrorCase, AnthropicErrorCases } from './anthropic-error-cases.js';
import type { AnthropicMockContext } from './anthropic-mock-context.js';
import type { AnthropicMockIds } from './anthropic-mock-ids.js';
import { respondByDefault } from './respond-by-default.js';
import { respondWithScript } from './respond-with-script.js';
import { sendErrorAnswer } from '../mock-server/mock-error-cases.js';

/** The mutable state of one mock server, shared by its handler and its public handle. */
export interface AnthropicMockState {
  apiKey: string | undefined;
  requests: RecordedRequest[];
  scripts: ScriptQueue;
  aborts: AbortTracker;
  ids: AnthropicMockIds;
  errors: AnthropicErrorCases;
  /** Set by `close()`, so the connections it ends are not counted as client aborts. */
  closing: boolean;
}

/** The `node:http` request listener: record, authenticate, check the version header, then answer by script or by default. */
export function createRequestHandler(state: AnthropicMockState): RequestListener {
  return mockRequestListener(state, (received) => handle(state, received));
}

async function handle(state: AnthropicMockState, { req, request, writer, requestId }: ReceivedRequest): Promise<void> {
  if (state.apiKey !== undefined && !hasKey(req, state.apiKey)) {
    sendErrorAnswer(writer, state.errors.cases.invalid_key);
    return;
  }
  if (!req.headers['anthropic-version']) {
    writer.sendJson(400, anthropicErrorBody('invalid_request_error', 'anthropic-version: header is required', requestId), {
      'request-id': requestId,
    });
    return;
  }
  const context: AnthropicMockContext = { request, writer, ids: state.ids, errors: state.errors, requestId };
  // The shared queue is typed with OpenAI's error names; this mock only ever queues its own.
  const script = state.scripts.take(request.method, request.path) as MockScript<AnthropicErrorCase> | undefined;
  if (script) await respondWithScript(context, script);
  else await respondByDefault(context);
}

// The documented header is x-api-key; newer SDKs send the key as a bearer token, which the API also takes.
function hasKey(req: IncomingMessage, apiKey: string): boolean {
  return req.headers['x-api-key'] === apiKey || req.headers.authorization === `Bearer ${apiKey}`;
}
