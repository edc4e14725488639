import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  newMockServerState,
  readRequestBody,
  recordRequest,
  ResponseWriter,
  startMockServer,
  watchForClientAbort,
  type CommonErrorCase,
  type MockScript,
  type MockServerState,
  type MockUpstream,
} from '@switchyard/testing';
import { acmeErrorCases } from './acme-error-cases.js';
import { respondByDefault, respondWithScript } from './respond-to-acme.js';

/** Options of {@link startMockAcme}. */
export interface MockAcmeOptions {
  /** When set, a request without `x-acme-key: <apiKey>` gets Acme's 401 `bad_key`. */
  apiKey?: string;
}

interface AcmeMockState extends MockServerState {
  apiKey: string | undefined;
  ids: { next: number; reset(): void };
}

/**
 * A mock Acme Chat API on 127.0.0.1 and a free port (`url` ends in `/v1`):
 * `POST /v1/chat` (whole, or NDJSON streamed), `GET /v1/engines`. Scripts work as
 * for Switchyard's own mocks: `reply`, `error`, `stream`, `hang`, `status`/`body`, `headers`.
 */
export function startMockAcme(options: MockAcmeOptions = {}): Promise<MockUpstream<CommonErrorCase>> {
  const ids = {
    next: 1,
    reset() {
      this.next = 1;
    },
  };
  return startMockServer<AcmeMockState, CommonErrorCase>({
    state: { ...newMockServerState(), apiKey: options.apiKey, ids },
    createHandler: (state) => (req: IncomingMessage, res: ServerResponse) => {
      const writer = new ResponseWriter(res, `acme-req-${state.ids.next}`);
      handle(state, req, writer).catch((error: unknown) => writer.fail(`Mock Acme failed: ${String(error)}`));
    },
    basePath: '/v1',
  });
}

async function handle(state: AcmeMockState, req: IncomingMessage, writer: ResponseWriter): Promise<void> {
  const rawBody = await readRequestBody(req);
  const request = recordRequest(req, rawBody ?? '');
  state.requests.push(request);
  watchForClientAbort(state, request, writer);
  if (rawBody === undefined || !writer.isOpen) return;

  const context = { request, writer, ticket: () => `acme-${state.ids.next++}` };
  if (state.apiKey !== undefined && req.headers['x-acme-key'] !== state.apiKey) {
    const answer = acmeErrorCases.invalid_key;
    writer.sendJson(answer.status, { fault: { reason: answer.reason, message: answer.message } });
    return;
  }
  const script = state.scripts.take(request.method, request.path) as MockScript<CommonErrorCase> | undefined;
  if (script) await respondWithScript(context, script);
  else await respondByDefault(context);
}
