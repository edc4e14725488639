import type { MockUpstream } from '../mock-server/mock-upstream.js';
import { newMockServerState, startMockServer } from '../mock-server/start-mock-server.js';
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
export function startMockGemini(options: MockGeminiOptions = {}): Promise<MockGemini> {
  return startMockServer<GeminiMockState, GeminiErrorCase>({
    state: {
      ...newMockServerState(),
      apiKey: options.apiKey,
      ids: new GeminiMockIds(),
      errors: loadGeminiErrorCases(),
    },
    createHandler: createRequestHandler,
    fixtures: 'gemini',
    basePath: '/v1beta',
    normalizeScript: (script) =>
      script.match?.path === undefined ? script : { ...script, match: { ...script.match, path: pathBelowVersion(script.match.path) } },
  });
}
