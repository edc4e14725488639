import type { IncomingMessage, RequestListener } from 'node:http';
import { mockRequestListener, type ReceivedRequest } from '../mock-server/mock-request-listener.js';
import type { MockIds } from '../mock-openai/mock-ids.js';
import type { AbortTracker } from '../mock-server/abort-tracker.js';
import type { MockScript } from '../mock-server/mock-script.js';
import type { RecordedRequest } from '../mock-server/recorded-request.js';
import type { ScriptQueue } from '../mock-server/script-queue.js';
import type { AzureErrorCase, AzureErrorCases } from './azure-error-cases.js';
import type { AzureMockContext } from './azure-mock-context.js';
import { isKnownApiVersion, readAzureRoute, type AzureRoute } from './azure-route.js';
import { respondByDefault } from './respond-by-default.js';
import { respondWithScript } from './respond-with-script.js';
import { sendErrorAnswer } from '../mock-server/mock-error-cases.js';

/** The mutable state of one mock server, shared by its handler and its public handle. */
export interface AzureMockState {
  apiKey: string | undefined;
  bearerToken: string | undefined;
  requests: RecordedRequest[];
  scripts: ScriptQueue;
  aborts: AbortTracker;
  ids: MockIds;
  errors: AzureErrorCases;
  /** Set by `close()`, so the connections it ends are not counted as client aborts. */
  closing: boolean;
}

/** The `node:http` request listener: record, authenticate, check `api-version`, then answer by script or by default. */
export function createRequestHandler(state: AzureMockState): RequestListener {
  return mockRequestListener(state, (received) => handle(state, received));
}

async function handle(state: AzureMockState, { req, request, writer }: ReceivedRequest): Promise<void> {
  const route = readAzureRoute(request.path);
  const context: AzureMockContext = { request, route, writer, ids: state.ids, errors: state.errors };
  if (!isAuthorized(state, req, route)) {
    sendErrorAnswer(writer, state.errors.cases.invalid_key);
    return;
  }
  const versionProblem = apiVersionProblem(route, request.query['api-version']);
  if (versionProblem) {
    writer.sendJson(400, { error: { code: 'BadRequest', message: versionProblem } });
    return;
  }
  // Scripts match the operation (`/chat/completions`), whichever URL style reached it.
  const script = state.scripts.take(request.method, route?.operation ?? request.path) as MockScript<AzureErrorCase> | undefined;
  if (script) await respondWithScript(context, script);
  else await respondByDefault(context);
}

/**
 * A resource key in `api-key`, or an Entra token as `Authorization: Bearer`. The
 * v1 API also takes the resource key as a bearer token (UNCONFIRMED for every
 * resource type; the mock accepts it there only).
 */
function isAuthorized(state: AzureMockState, req: IncomingMessage, route: AzureRoute | undefined): boolean {
  if (state.apiKey === undefined && state.bearerToken === undefined) return true;
  const authorization = req.headers.authorization;
  if (state.apiKey !== undefined && req.headers['api-key'] === state.apiKey) return true;
  if (state.bearerToken !== undefined && authorization === `Bearer ${state.bearerToken}`) return true;
  return state.apiKey !== undefined && route?.style === 'v1' && authorization === `Bearer ${state.apiKey}`;
}

// Dated URLs need a version; the v1 API takes none, or `preview` / `latest`.
function apiVersionProblem(route: AzureRoute | undefined, version: string | undefined): string | undefined {
  if (!route) return undefined;
  if (version === undefined) {
    return route.style === 'v1' ? undefined : "Missing required query parameter 'api-version'.";
  }
  return isKnownApiVersion(version) ? undefined : 'API version not supported';
}
