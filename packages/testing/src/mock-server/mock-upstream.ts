import type { MockScript } from './mock-script.js';
import type { RecordedRequest } from './recorded-request.js';

/**
 * What every mock upstream offers, whatever wire format it speaks: a real HTTP
 * server on 127.0.0.1, the requests it saw, a queue of scripted answers, and a
 * count of clients that went away mid-answer. The conformance suite drives
 * every provider through this one interface.
 */
export interface MockUpstream<ErrorCase extends string = string> {
  /** Base URL to configure the provider with (its `base_url`). */
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
  enqueue(...scripts: MockScript<ErrorCase>[]): void;
  /** Resolves once `count` client aborts have been seen (default 1); rejects after `timeoutMs` (default 5000). */
  waitForAborts(count?: number, timeoutMs?: number): Promise<void>;
  /** Forgets recorded requests, queued scripts, the abort count and id counters. */
  reset(): void;
  /** Ends every open connection (hanging ones included) and stops listening. */
  close(): Promise<void>;
}
