import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFixture } from '../fixtures.js';
import { AbortTracker } from './abort-tracker.js';
import type { MockScript } from './mock-script.js';
import type { MockUpstream } from './mock-upstream.js';
import type { RecordedRequest } from './recorded-request.js';
import { ScriptQueue } from './script-queue.js';

/** The part of a mock's state the shared server runs on; each mock adds its own. */
export interface MockServerState {
  requests: RecordedRequest[];
  scripts: ScriptQueue;
  aborts: AbortTracker;
  /** Numbered ids, restarted on `reset()` so tests can predict them. */
  ids: { reset(): void };
  /** Set by `close()`, so the connections it ends are not counted as client aborts. */
  closing: boolean;
}

/** A fresh shared state, to spread into a mock's own. */
export function newMockServerState(): Omit<MockServerState, 'ids'> {
  return { requests: [], scripts: new ScriptQueue(), aborts: new AbortTracker(), closing: false };
}

export interface MockServerSetup<State extends MockServerState, ErrorCase extends string> {
  state: State;
  createHandler(state: State): RequestListener;
  /**
   * The folder of the shared fixtures a script's `fixture` names a file in: `anthropic`.
   * A mock of a format without shared fixtures leaves it out; a script naming a fixture is then refused.
   */
  fixtures?: string;
  /** Put after the origin to make `url`, the base URL a provider is configured with: `/v1`. */
  basePath?: string;
  /** Rewrites a script before it is queued (Gemini matches paths below its version prefix). */
  normalizeScript?(script: MockScript<ErrorCase>): MockScript<ErrorCase>;
}

/**
 * Starts a mock upstream on 127.0.0.1 and a free port and returns the handle every
 * mock offers: requests seen, the script queue, client aborts, reset and close.
 * Each wire format brings only its request handler and state.
 */
export async function startMockServer<State extends MockServerState, ErrorCase extends string>(
  setup: MockServerSetup<State, ErrorCase>,
): Promise<MockUpstream<ErrorCase>> {
  const { state } = setup;
  const server = createServer(setup.createHandler(state));
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
    url: origin + (setup.basePath ?? ''),
    origin,
    requests: state.requests,
    get abortedCount() {
      return state.aborts.count;
    },
    get pendingScripts() {
      return state.scripts.size;
    },
    enqueue(...scripts: MockScript<ErrorCase>[]) {
      // A missing fixture file should fail the test where it is scripted, not as a 500 later.
      for (const script of scripts) {
        if (!script.fixture) continue;
        if (setup.fixtures === undefined) throw new Error(`This mock has no fixtures folder, so the script's fixture '${script.fixture}' cannot be replayed.`);
        readFixture(setup.fixtures, script.fixture);
      }
      const queued = setup.normalizeScript ? scripts.map(setup.normalizeScript) : scripts;
      // The queue only stores and matches scripts; the error-case names do not matter to it.
      state.scripts.push(...(queued as unknown as MockScript[]));
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
