import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFixture } from '../fixtures.js';
import { AbortTracker } from '../mock-server/abort-tracker.js';
import type { MockScript } from '../mock-server/mock-script.js';
import type { MockUpstream } from '../mock-server/mock-upstream.js';
import { ScriptQueue } from '../mock-server/script-queue.js';
import { createRequestHandler, pathBelowVersion, type GeminiMockState } from './create-request-handler.js';
import { loadGeminiErrorCases, type GeminiErrorCase } from './gemini-error-cases.js';
import { GeminiMockIds } from './gemini-mock-ids.js';

export type { GeminiErrorCase };

/** Options of {@link startMockGemini}. */
export interface MockGeminiOptions {
  /**
   * When set, a request without this key in `x-goog-api-key` (or `?key=`) gets
   * Gemini's 400 `API_KEY_INVALID`; this is checked before any script is taken.
   */
  apiKey?: string;
}

/**
 * A running mock Gemini upstream. `url` is the base URL to configure the provider
 * with (`http://127.0.0.1:PORT/v1beta`); a script's `match.path` is relative to it
 * (`/models/gemini-2.5-flash:generateContent`), with or without the version prefix.
 */
export type MockGemini = MockUpstream<GeminiErrorCase>;

/**
 * Starts a mock Gemini API over real HTTP on 127.0.0.1 and a free port, speaking
 * the wire format of the shared fixtures: `generateContent`, `streamGenerateContent`
 * (`alt=sse`, CRLF-separated events), `batchEmbedContents` / `embedContent` and the
 * paged model list. It is as strict as Gemini about roles, function-response turns
 * and schema keywords, answers deterministically by default (an echo of the last
 * user text, function calls under `mode: ANY`), and takes the shared scripts for
 * errors (`errors.json` cases), fixture replays and broken streams.
 *
 * @example
 * const mock = await startMockGemini({ apiKey: 'test-key' });
 * mock.enqueue({ error: 'rate_limit' });
 * // configure the provider with base_url: mock.url, api_key: 'test-key' …
 * await mock.close();
 */
export async function startMockGemini(options: MockGeminiOptions = {}): Promise<MockGemini> {
  const state: GeminiMockState = {
    apiKey: options.apiKey,
    requests: [],
    scripts: new ScriptQueue(),
    aborts: new AbortTracker(),
    ids: new GeminiMockIds(),
    errors: loadGeminiErrorCases(),
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
    url: `${origin}/v1beta`,
    origin,
    requests: state.requests,
    get abortedCount() {
      return state.aborts.count;
    },
    get pendingScripts() {
      return state.scripts.size;
    },
    enqueue(...scripts: MockScript<GeminiErrorCase>[]) {
      // A missing fixture file should fail the test where it is scripted, not as a 500 later.
      for (const script of scripts) if (script.fixture) readFixture('gemini', script.fixture);
      // Requests are matched below the version prefix, so scripts are stored that way too.
      const normalized = scripts.map((script) =>
        script.match?.path === undefined ? script : { ...script, match: { ...script.match, path: pathBelowVersion(script.match.path) } },
      );
      state.scripts.push(...(normalized as MockScript[]));
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
