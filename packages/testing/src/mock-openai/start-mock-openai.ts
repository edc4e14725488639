import { createRequestHandler, type MockServerState } from './create-request-handler.js';
import { MockIds } from './mock-ids.js';
import type { MockScript, OpenAIErrorCaseName } from '../mock-server/mock-script.js';
import type { MockUpstream } from '../mock-server/mock-upstream.js';
import { newMockServerState, startMockServer } from '../mock-server/start-mock-server.js';
import { loadOpenAIErrorCases } from './openai-error-cases.js';
import type { RecordedRequest } from '../mock-server/recorded-request.js';

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
export function startMockOpenAI(options: MockOpenAIOptions = {}): Promise<MockOpenAI> {
  return startMockServer<MockServerState, OpenAIErrorCaseName>({
    state: { ...newMockServerState(), apiKey: options.apiKey, ids: new MockIds(), errors: loadOpenAIErrorCases() },
    createHandler: createRequestHandler,
    fixtures: 'openai',
    basePath: '/v1',
  });
}
