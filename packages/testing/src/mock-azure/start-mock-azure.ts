import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFixture } from '../fixtures.js';
import { MockIds } from '../mock-openai/mock-ids.js';
import { AbortTracker } from '../mock-server/abort-tracker.js';
import type { MockScript } from '../mock-server/mock-script.js';
import type { MockUpstream } from '../mock-server/mock-upstream.js';
import { ScriptQueue } from '../mock-server/script-queue.js';
import { azureFixtures, loadAzureErrorCases, type AzureErrorCase } from './azure-error-cases.js';
import { createRequestHandler, type AzureMockState } from './create-request-handler.js';

export type { AzureErrorCase };

/** Options of {@link startMockAzure}. */
export interface MockAzureOptions {
  /**
   * When set (or `bearerToken` is), a request without this key in `api-key` gets
   * Azure's 401 (`errors.json` `invalid_key`); checked before anything else.
   */
  apiKey?: string;
  /** An Entra ID token accepted as `Authorization: Bearer <token>`. */
  bearerToken?: string;
}

/**
 * A running mock Azure OpenAI resource. `url` is the endpoint to configure the
 * provider with (`http://127.0.0.1:PORT`, standing in for
 * `https://{resource}.openai.azure.com`); a script's `match.path` names the
 * operation (`/chat/completions`, `/embeddings`, `/models`), whichever URL style
 * reaches it.
 */
export type MockAzure = MockUpstream<AzureErrorCase>;

/**
 * Starts a mock Azure OpenAI resource over real HTTP on 127.0.0.1 and a free
 * port, speaking the wire format of the shared `azure-openai` fixtures: chat
 * completions and embeddings on deployment URLs (`/openai/deployments/{d}/…`,
 * `api-version` required; the deployment is echoed as the model) and on the v1
 * API (`/openai/v1/…`, the deployment as body `model`), and the model list.
 * Answers carry Azure's content-filter verdicts, and streams open with the
 * filter-only chunk. Default replies are the OpenAI mock's (echo, tool result
 * acknowledgement, forced tool calls); scripts act out `errors.json` cases,
 * replay fixtures byte for byte and break streams.
 *
 * @example
 * const mock = await startMockAzure({ apiKey: 'azure-key' });
 * mock.enqueue({ error: 'content_filter' });
 * // configure the provider with endpoint: mock.url, api_key: 'azure-key' …
 * await mock.close();
 */
export async function startMockAzure(options: MockAzureOptions = {}): Promise<MockAzure> {
  const state: AzureMockState = {
    apiKey: options.apiKey,
    bearerToken: options.bearerToken,
    requests: [],
    scripts: new ScriptQueue(),
    aborts: new AbortTracker(),
    ids: new MockIds(),
    errors: loadAzureErrorCases(),
    closing: false,
  };
  const server = createServer(createRequestHandler(state));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  let closed: Promise<void> | undefined;

  return {
    url: origin,
    origin,
    requests: state.requests,
    get abortedCount() {
      return state.aborts.count;
    },
    get pendingScripts() {
      return state.scripts.size;
    },
    enqueue(...scripts: MockScript<AzureErrorCase>[]) {
      // A missing fixture file should fail the test where it is scripted, not as a 500 later.
      for (const script of scripts) if (script.fixture) readFixture(azureFixtures, script.fixture);
      state.scripts.push(...(scripts as MockScript[]));
    },
    waitForAborts(count = 1, timeoutMs = 5000) {
      return state.aborts.waitFor(count, timeoutMs);
    },
    reset() {
      state.requests.length = 0;
      state.scripts.clear();
      state.aborts.reset('mock reset while waiting for aborts');
      state.ids.reset();
    },
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        state.closing = true;
        state.aborts.reset('mock closed while waiting for aborts');
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
