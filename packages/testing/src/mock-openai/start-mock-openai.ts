import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFixture } from '../fixtures.js';
import { AbortTracker } from '../mock-server/abort-tracker.js';
import { createRequestHandler, type MockServerState } from './create-request-handler.js';
import { MockIds } from './mock-ids.js';
import type { MockScript, OpenAIErrorCaseName } from '../mock-server/mock-script.js';
import type { MockUpstream } from '../mock-server/mock-upstream.js';
import { loadOpenAIErrorCases } from './openai-error-cases.js';
import type { RecordedRequest } from '../mock-server/recorded-request.js';
import { ScriptQueue } from '../mock-server/script-queue.js';

/** Options of {@link startMockOpenAI}. */
export interface MockOpenAIOptions {
  /** When set, a request without `Authorization: Bearer <apiKey>` gets OpenAI's 401 `invalid_api_key`; this is checked before any script is taken. */
  apiKey?: string;
}

/** A running mock OpenAI upstream. */
export interface MockOpenAI extends MockUpstream<OpenAIErrorCaseName> {
  /** Base URL to give an OpenAI client, e.g. `http://127.0.0.1:53124/v1`. */
  readonly url: string;
  /** Scheme, host and port, e.g. `http://127.0.0.1:53124`. */
  readonly origin: string;
  /** Every request received since start or the last `reset()`, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Requests whose client closed the connection before the answer was finished. */
  readonly abortedCount: number;
  /** Scripts queued and not yet used. */
  readonly pendingScripts: number;
  /** Queues scripts; each answers exactly one later request, first in, first out. */
  enqueue(...scripts: MockScript[]): void;
  /** Resolves once `count` client aborts have been seen (default 1); rejects after `timeoutMs` (default 5000). */
  waitForAborts(count?: number, timeoutMs?: number): Promise<void>;
  /** Forgets recorded requests, queued scripts, the abort count and the id counter. */
  reset(): void;
  /** Ends every open connection (hanging ones included) and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts a mock OpenAI upstream over real HTTP on 127.0.0.1 and a free port. It
 * speaks OpenAI's wire format, built on the shared fixtures: Chat Completions
 * (whole and streamed), Embeddings and the model list, with deterministic default
 * answers and a queue of scripts for errors, fixture replays and broken streams.
 *
 * @example
 * const mock = await startMockOpenAI({ apiKey: 'sk-test' });
 * mock.enqueue({ error: 'rate_limit', headers: { 'retry-after': '1' } });
 * // point the client or gateway at mock.url …
 * await mock.close();
 */
export async function startMockOpenAI(options: MockOpenAIOptions = {}): Promise<MockOpenAI> {
  const state: MockServerState = {
    apiKey: options.apiKey,
    requests: [],
    scripts: new ScriptQueue(),
    aborts: new AbortTracker(),
    ids: new MockIds(),
    errors: loadOpenAIErrorCases(),
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
    url: `${origin}/v1`,
    origin,
    requests: state.requests,
    get abortedCount() {
      return state.aborts.count;
    },
    get pendingScripts() {
      return state.scripts.size;
    },
    enqueue(...scripts) {
      // A missing fixture file should fail the test where it is scripted, not as a 500 later.
      for (const script of scripts) if (script.fixture) readFixture('openai', script.fixture);
      state.scripts.push(...scripts);
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
