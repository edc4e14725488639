import type { MockUpstream } from '../mock-server/mock-upstream.js';
import { newMockServerState, startMockServer } from '../mock-server/start-mock-server.js';
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
export function startMockCohere(options: MockCohereOptions = {}): Promise<MockCohere> {
  return startMockServer<CohereMockState, CohereErrorCase>({
    state: {
      ...newMockServerState(),
      apiKey: options.apiKey,
      ids: new CohereMockIds(),
      errors: loadCohereErrorCases(),
    },
    createHandler: createRequestHandler,
    fixtures: 'cohere',
  });
}
