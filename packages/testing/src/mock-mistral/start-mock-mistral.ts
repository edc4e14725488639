import type { RequestListener } from 'node:http';
import { mockRequestListener, type ReceivedRequest } from '../mock-server/mock-request-listener.js';
import type { MockScript } from '../mock-server/mock-script.js';
import type { MockUpstream } from '../mock-server/mock-upstream.js';
import { newMockServerState, startMockServer, type MockServerState } from '../mock-server/start-mock-server.js';
import { loadMistralErrorCases, type MistralErrorCase, type MistralErrorCases } from './mistral-error-cases.js';
import { MistralMockIds } from './mistral-mock-ids.js';
import { respondByDefault, respondWithScript } from './respond-to-mistral.js';
import { sendErrorAnswer } from '../mock-server/mock-error-cases.js';

export type { MistralErrorCase };

/** Options of {@link startMockMistral}. */
export interface MockMistralOptions {
  /** When set, a request without `Authorization: Bearer <apiKey>` gets Mistral's 401 `{message, request_id}`; checked before any script is taken. */
  apiKey?: string;
}

/** A running mock Mistral upstream; `url` is the base URL (`http://127.0.0.1:PORT/v1`). */
export type MockMistral = MockUpstream<MistralErrorCase>;

interface MistralMockState extends MockServerState {
  apiKey: string | undefined;
  ids: MistralMockIds;
  errors: MistralErrorCases;
}

/**
 * Starts a mock Mistral API (La Plateforme) over real HTTP on 127.0.0.1 and a free
 * port, speaking the wire format of the shared fixtures: chat completions (whole,
 * and streamed with the usage on the finishing chunk and tool calls whole in one
 * delta), embeddings and the model list. It is as strict as Mistral where a gateway
 * goes wrong: unknown fields such as `stream_options` or `seed` get a 422, tool-call
 * ids that are not exactly 9 alphanumerics a 400. Defaults: an echo of the last user
 * text, `Tool result received: <content>` after a tool result, tool calls when
 * `tool_choice` is `any`, `required` or a named function. Scripts work as for the
 * other mocks (errors from `mistral/errors.json`, fixture replays, broken streams).
 */
export function startMockMistral(options: MockMistralOptions = {}): Promise<MockMistral> {
  return startMockServer<MistralMockState, MistralErrorCase>({
    state: {
      ...newMockServerState(),
      apiKey: options.apiKey,
      ids: new MistralMockIds(),
      errors: loadMistralErrorCases(),
    },
    createHandler: createRequestHandler,
    fixtures: 'mistral',
    basePath: '/v1',
  });
}

function createRequestHandler(state: MistralMockState): RequestListener {
  return mockRequestListener(state, (received) => handle(state, received));
}

async function handle(state: MistralMockState, { req, request, writer }: ReceivedRequest): Promise<void> {
  const context = { request, writer, ids: state.ids, errors: state.errors };
  if (state.apiKey !== undefined && req.headers.authorization !== `Bearer ${state.apiKey}`) {
    sendErrorAnswer(writer, state.errors.cases.invalid_key);
    return;
  }
  const script = state.scripts.take(request.method, request.path) as MockScript<MistralErrorCase> | undefined;
  if (script) await respondWithScript(context, script);
  else await respondByDefault(context);
}
