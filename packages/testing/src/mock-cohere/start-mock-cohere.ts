import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFixture } from '../fixtures.js';
import { AbortTracker } from '../mock-server/abort-tracker.js';
import type { MockScript } from '../mock-server/mock-script.js';
import type { MockUpstream } from '../mock-server/mock-upstream.js';
import { ScriptQueue } from '../mock-server/script-queue.js';
import { loadCohereErrorCases, type CohereErrorCase } from './cohere-error-cases.js';
import { CohereMockIds } from './cohere-mock-ids.js';
import { createRequestHandler, type CohereMockState } from './create-request-handler.js';

export type { CohereErrorCase };

/** Options of {@link startMockCohere}. */
export interface MockCohereOptions {
  /**
   * When set, a request without `Authorization: Bearer <apiKey>` gets the fixture
   * 401 `invalid_key`; this is checked before any script is taken.
   */
  apiKey?: string;
}

/**
 * A running mock Cohere upstream. `url` is the origin, with no version: clients add
 * `/v2/chat`, `/v2/embed` and `/v1/models`, as the provider's `base_url` expects.
 */
export type MockCohere = MockUpstream<CohereErrorCase>;

/**
 * Starts a mock Cohere API over real HTTP on 127.0.0.1 and a free port, built on the
 * shared fixtures: `POST /v2/chat` (whole and streamed with named events, ending in
 * `data: [DONE]`), `POST /v2/embed` (deterministic float vectors) and `GET /v1/models`
 * (paged with `page_size` / `next_page_token`). It is as strict as the v2 API where
 * a gateway can go wrong (unknown fields, roles, content shapes, `tool_choice`
 * spelling, tool messages answering the assistant's calls) and answers
 * deterministically, with a queue of scripts for errors, fixture replays and broken streams.
 *
 * @example
 * const mock = await startMockCohere({ apiKey: 'co-test' });
 * mock.enqueue({ error: 'rate_limit', headers: { 'retry-after': '3' } });
 * // configure the provider with base_url: mock.url …
 * await mock.close();
 */
export async function startMockCohere(options: MockCohereOptions = {}): Promise<MockCohere> {
  const state: CohereMockState = {
    apiKey: options.apiKey,
    requests: [],
    scripts: new ScriptQueue(),
    aborts: new AbortTracker(),
    ids: new CohereMockIds(),
    errors: loadCohereErrorCases(),
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
    enqueue(...scripts: MockScript<CohereErrorCase>[]) {
      // A missing fixture file should fail the test where it is scripted, not as a 500 later.
      for (const script of scripts) if (script.fixture) readFixture('cohere', script.fixture);
      // The shared queue is typed with OpenAI's error names; only the `error` field differs.
      state.scripts.push(...(scripts as unknown as MockScript[]));
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
