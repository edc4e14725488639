import type { MockUpstream } from '../mock-server/mock-upstream.js';
import { newMockServerState, startMockServer } from '../mock-server/start-mock-server.js';
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
export function startMockAnthropic(options: MockAnthropicOptions = {}): Promise<MockAnthropic> {
  return startMockServer<AnthropicMockState, AnthropicErrorCase>({
    state: {
      ...newMockServerState(),
      apiKey: options.apiKey,
      ids: new AnthropicMockIds(),
      errors: loadAnthropicErrorCases(),
    },
    createHandler: createRequestHandler,
    fixtures: 'anthropic',
  });
}
