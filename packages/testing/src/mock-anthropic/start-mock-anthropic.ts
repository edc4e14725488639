import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFixture } from '../fixtures.js';
import { AbortTracker } from '../mock-server/abort-tracker.js';
import type { MockScript } from '../mock-server/mock-script.js';
import type { MockUpstream } from '../mock-server/mock-upstream.js';
import { ScriptQueue } from '../mock-server/script-queue.js';
import { loadAnthropicErrorCases, type AnthropicErrorCase } from './anthropic-error-cases.js';
import { AnthropicMockIds } from './anthropic-mock-ids.js';
import { createRequestHandler, type AnthropicMockState } from './create-request-handler.js';

export type { AnthropicErrorCase };

/** Options of {@link startMockAnthropic}. */
export interface MockAnthropicOptions {
  /**
   * When set, a request without `x-api-key: <apiKey>` (or `Authorization: Bearer <apiKey>`)
   * gets the fixture 401 `authentication_error`; this is checked before any script is taken.
   */
  apiKey?: string;
}

/**
 * A running mock Anthropic upstream. `url` is the origin, with no `/v1`: like
 * Anthropic's own SDKs and the provider's `base_url`, clients add `/v1/messages`.
 */
export type MockAnthropic = MockUpstream<AnthropicErrorCase>;

/**
 * Starts a mock Anthropic Messages API over real HTTP on 127.0.0.1 and a free port,
 * built on the shared fixtures: `POST /v1/messages` (whole and streamed, with named
 * events) and `GET /v1/models`. It is as strict as the real API where a gateway can
 * go wrong (`max_tokens` and `anthropic-version` required, no `system` role, tool
 * results paired with the `tool_use` blocks right before) and answers
 * deterministically, with a queue of scripts for errors, fixture replays and broken streams.
 *
 * @example
 * const mock = await startMockAnthropic({ apiKey: 'sk-ant-test' });
 * mock.enqueue({ error: 'overloaded' });
 * // configure the provider with base_url: mock.url …
 * await mock.close();
 */
export async function startMockAnthropic(options: MockAnthropicOptions = {}): Promise<MockAnthropic> {
  const state: AnthropicMockState = {
    apiKey: options.apiKey,
    requests: [],
    scripts: new ScriptQueue(),
    aborts: new AbortTracker(),
    ids: new AnthropicMockIds(),
    errors: loadAnthropicErrorCases(),
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
    enqueue(...scripts: MockScript<AnthropicErrorCase>[]) {
      // A missing fixture file should fail the test where it is scripted, not as a 500 later.
      for (const script of scripts) if (script.fixture) readFixture('anthropic', script.fixture);
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
