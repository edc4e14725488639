import { describe, expect, it } from 'vitest';
import { GatewayError } from '@switchyard/core';
import { errorOf, failure, group, PlanHarness } from './support/plan-harness.js';

const pair = (extra: Record<string, unknown> = {}) =>
  group('pair', {
    deployments: [
      { target: 'a/m', priority: 0 },
      { target: 'b/m', priority: 1 },
    ],
    ...extra,
  });

describe('the route plan', () => {
  it('moves to the next deployment after a retryable error, without waiting', async () => {
    const harness = new PlanHarness([pair()]).on('a/m', errorOf('upstream_server_error'));
    const { servedBy, context, elapsed } = await harness.route('pair');
    expect(servedBy).toBe('b/m');
    expect(context.attempts.map((attempt) => attempt.errorCode ?? 'ok')).toEqual(['upstream_server_error', 'ok']);
    expect(elapsed).toBe(0);
  });

  it("ends at once on the client's own error, fallbacks or not", async () => {
    const harness = new PlanHarness([pair({ fallbacks: ['c/m'] })]).on('a/m', errorOf('upstream_bad_request'));
    const error = await failure(harness.route('pair'));
    expect(error.code).toBe('upstream_bad_request');
    expect(harness.calls).toEqual(['a/m']);
  });

  it.each(['upstream_authentication_failed', 'upstream_permission_denied', 'upstream_quota_exceeded', 'upstream_not_found'] as const)(
    "after %s (the deployment's own account) moves to the next deployment, then the fallbacks, without a retry round of it",
    async (code) => {
      const retried = pair({ retries: { attempts: 2, backoff_ms: 100 }, fallbacks: ['c/m'] });
      const next = new PlanHarness([retried]).on('a/m', errorOf(code));
      expect((await next.route('pair')).servedBy).toBe('b/m');

      const fallback = new PlanHarness([retried]).on('a/m', errorOf(code)).on('b/m', errorOf(code));
      const { servedBy, context } = await fallback.route('pair');
      expect(servedBy).toBe('c/m');
      expect(fallback.calls).toEqual(['a/m', 'b/m', 'c/m']);
      expect(fallback.clock.sleeps).toEqual([]);
      expect(context.attempts.map((attempt) => attempt.errorCode ?? 'ok')).toEqual([code, code, 'ok']);

      // With nothing left to try, the client gets that error, as the deployment said it.
      const alone = new PlanHarness([pair({ retries: { attempts: 2, backoff_ms: 100 } })]).on('a/m', errorOf(code)).on('b/m', errorOf(code));
      expect((await failure(alone.route('pair'))).code).toBe(code);
      expect(alone.calls).toEqual(['a/m', 'b/m']);
    },
  );

  it.each(['upstream_authentication_failed', 'upstream_quota_exceeded', 'internal_error'] as const)(
    "asks a deployment that failed with %s (no backoff mends it) no more in the retry rounds another deployment's 5xx calls for",
    async (code) => {
      // A provider plugin's own failure is made retryable for the client (core's providerFailure), as the gateway makes it.
      const failed = () => errorOf(code, code === 'internal_error' ? { retryable: true } : {});
      const harness = new PlanHarness([pair({ retries: { attempts: 2, backoff_ms: 100 } })], () => 0.5);
      for (let index = 0; index < 3; index++) harness.on('a/m', failed()).on('b/m', errorOf('upstream_server_error'));
      const error = await failure(harness.route('pair'));
      expect(harness.calls).toEqual(['a/m', 'b/m', 'b/m', 'b/m']);
      expect(harness.clock.sleeps).toEqual([50, 100]);
      expect(error.code).toBe('upstream_server_error');
      expect(error.context.attempts.map((attempt) => attempt.errorCode)).toEqual([code, 'upstream_server_error', 'upstream_server_error', 'upstream_server_error']);

      // Once the other fails so too, no round is left that could do better: no wait, no call.
      const both = new PlanHarness([pair({ retries: { attempts: 2, backoff_ms: 100 } })], () => 0.5)
        .on('a/m', failed())
        .on('b/m', errorOf('upstream_server_error'), failed());
      expect((await failure(both.route('pair'))).code).toBe(code);
      expect(both.calls).toEqual(['a/m', 'b/m', 'b/m']);
      expect(both.clock.sleeps).toEqual([50]);
    },
  );

  it('retries the whole group with exponential backoff and full jitter, then fails with the last error', async () => {
    const harness = new PlanHarness([pair({ retries: { attempts: 2, backoff_ms: 100, max_backoff_ms: 1000 } })], () => 0.5);
    for (let index = 0; index < 3; index++) harness.on('a/m', errorOf('upstream_server_error')).on('b/m', errorOf('upstream_overloaded'));
    const error = await failure(harness.route('pair'));
    expect(error.code).toBe('upstream_overloaded');
    expect(harness.calls).toEqual(['a/m', 'b/m', 'a/m', 'b/m', 'a/m', 'b/m']);
    expect(harness.clock.sleeps).toEqual([50, 100]);
    expect(error.context.attempts).toHaveLength(6);
  });

  it('a bare provider/model gets the default retries: 2 more tries', async () => {
    const harness = new PlanHarness([], () => 0.5).on('a/m', errorOf('upstream_server_error'), errorOf('upstream_server_error'));
    const { servedBy, context } = await harness.route('a/m');
    expect(servedBy).toBe('a/m');
    expect(context.attempts).toHaveLength(3);
    // Defaults: backoff 200 ms doubling, full jitter (the draw is 0.5 here).
    expect(harness.clock.sleeps).toEqual([100, 200]);
  });

  it('waits at least the Retry-After before trying the group again', async () => {
    const harness = new PlanHarness([], () => 0).on('a/m', errorOf('rate_limit_exceeded', { retryAfterSeconds: 3 }));
    const { servedBy, elapsed } = await harness.route('a/m');
    expect(servedBy).toBe('a/m');
    expect(harness.clock.sleeps).toEqual([3000]);
    expect(elapsed).toBe(3000);
  });

  it('fails with the 429 when its Retry-After is longer than the deadline leaves', async () => {
    const harness = new PlanHarness([group('short', { deployments: [{ target: 'a/m' }], timeout_ms: 2000 })]).on(
      'a/m',
      errorOf('rate_limit_exceeded', { retryAfterSeconds: 5 }),
    );
    const error = await failure(harness.route('short'));
    expect(error.code).toBe('rate_limit_exceeded');
    expect(harness.clock.sleeps).toEqual([]);
    expect(harness.calls).toEqual(['a/m']);
  });

  it('leaves out a deployment whose Retry-After runs past the deadline, and tries the others again within it', async () => {
    const harness = new PlanHarness([pair()], () => 0.5);
    harness.on('a/m', errorOf('rate_limit_exceeded', { retryAfterSeconds: 3600 })).on('b/m', errorOf('upstream_server_error'));
    const { servedBy, elapsed } = await harness.route('pair');
    expect(servedBy).toBe('b/m');
    // a/m is not asked again before its hour is up; b/m is, after the backoff alone.
    expect(harness.calls).toEqual(['a/m', 'b/m', 'b/m']);
    expect(harness.clock.sleeps).toEqual([100]);
    expect(elapsed).toBe(100);
  });

  it('still waits for a Retry-After that ends within the deadline before asking that deployment again', async () => {
    const harness = new PlanHarness([pair()], () => 0.5);
    harness.on('a/m', errorOf('rate_limit_exceeded', { retryAfterSeconds: 3 })).on('b/m', errorOf('rate_limit_exceeded', { retryAfterSeconds: 3600 }));
    const { servedBy } = await harness.route('pair');
    expect(servedBy).toBe('a/m');
    expect(harness.calls).toEqual(['a/m', 'b/m', 'a/m']);
    expect(harness.clock.sleeps).toEqual([3000]);
  });

  it('tries the fallbacks in order once every round failed, each with its own retries', async () => {
    const harness = new PlanHarness([
      group('main', { deployments: [{ target: 'a/m' }], retries: { attempts: 0 }, fallbacks: ['second', 'c/m'] }),
      group('second', { deployments: [{ target: 'b/m' }], retries: { attempts: 1 } }),
    ]);
    harness.on('a/m', errorOf('upstream_server_error'));
    harness.on('b/m', errorOf('upstream_timeout'), errorOf('upstream_timeout'));
    const { servedBy } = await harness.route('main');
    expect(servedBy).toBe('c/m');
    expect(harness.calls).toEqual(['a/m', 'b/m', 'b/m', 'c/m']);
  });

  it('sends a context-length error straight to the context fallback, and ends without one', async () => {
    const harness = new PlanHarness([
      group('small', { deployments: [{ target: 'a/m' }, { target: 'b/m', priority: 1 }], context_fallback: 'c/large', fallbacks: ['d/m'] }),
      group('small-only', { deployments: [{ target: 'a/m' }] }),
    ]);
    harness.on('a/m', errorOf('context_length_exceeded'), errorOf('context_length_exceeded'));
    const { servedBy } = await harness.route('small');
    expect(servedBy).toBe('c/large');
    expect(harness.calls).toEqual(['a/m', 'c/large']);
    const error = await failure(harness.route('small-only'));
    expect(error.code).toBe('context_length_exceeded');
  });

  it('sends a content-filter error to the content-filter fallback', async () => {
    const harness = new PlanHarness([group('strict', { deployments: [{ target: 'a/m' }], content_filter_fallback: 'b/lenient' })]);
    harness.on('a/m', errorOf('content_filter'));
    expect((await harness.route('strict')).servedBy).toBe('b/lenient');
  });

  it("does not hold a retry round back for the Retry-After of a refusal in front of the provider (an open circuit's time left)", async () => {
    const harness = new PlanHarness([pair()], () => 0.5);
    const refusal = () => ({ beforeProvider: errorOf('upstream_overloaded', { retryable: true, retryAfterSeconds: 30 }) });
    harness.on('a/m', refusal(), refusal()).on('b/m', errorOf('upstream_server_error'));
    const { servedBy } = await harness.route('pair');
    expect(servedBy).toBe('b/m');
    // The backoff alone: the circuit's 30 s are for the client, when nothing else serves.
    expect(harness.clock.sleeps).toEqual([100]);

    harness.on('a/m', refusal()).on('b/m', refusal());
    const error = await failure(harness.route('pair'));
    expect(error.code).toBe('upstream_overloaded');
    expect(error.retryAfterSeconds).toBe(30);
  });

  it('skips a deployment refused by a circuit breaker, records it, and does not wait on an all-open group', async () => {
    const harness = new PlanHarness([pair({ fallbacks: ['c/m'] })]);
    harness.on('a/m', { breaker: true });
    const served = await harness.route('pair');
    expect(served.servedBy).toBe('b/m');
    expect(served.context.attempts.map((attempt) => attempt.errorCode ?? 'ok')).toEqual(['upstream_overloaded', 'ok']);

    harness.on('a/m', { breaker: true }).on('b/m', { breaker: true });
    const fellBack = await harness.route('pair');
    expect(fellBack.servedBy).toBe('c/m');
    expect(harness.clock.sleeps).toEqual([]);
  });

  it('gives up a slow attempt after attempt_timeout_ms and keeps one record of it', async () => {
    const harness = new PlanHarness([pair({ attempt_timeout_ms: 30 })]).on('a/m', { realDelayMs: 150 });
    const { servedBy, context } = await harness.route('pair');
    expect(servedBy).toBe('b/m');
    expect(context.attempts.map((attempt) => attempt.errorCode ?? 'ok')).toEqual(['upstream_timeout', 'ok']);
    // The abandoned attempt answers later: its result and its record are discarded.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(context.attempts.map((attempt) => attempt.errorCode ?? 'ok')).toEqual(['upstream_timeout', 'ok']);
    expect(context.servedBy).toMatchObject({ provider: 'b' });
  });

  describe('a timeout names the one that expired, with its value and its model', () => {
    const never = () => ({ answerWhen: new Promise<void>(() => {}) });

    it("the first model's deadline, running out while its fallback (with a longer timeout_ms) is tried", async () => {
      const harness = new PlanHarness([
        group('main', { deployments: [{ target: 'a/m' }], retries: { attempts: 0 }, timeout_ms: 1000, fallbacks: ['patient'] }),
        group('patient', { deployments: [{ target: 'b/m' }], timeout_ms: 60000 }),
      ]);
      harness.on('a/m', { latencyMs: 950, fails: errorOf('upstream_server_error') }).on('b/m', never());
      const error = await failure(harness.route('main'));
      expect(error.code).toBe('upstream_timeout');
      expect(error.message).toBe("The request deadline of 1000 ms (timeout_ms of 'main') ran out while 'patient' was being tried.");
    });

    it("the fallback's own deadline, shorter than what is left of the first model's", async () => {
      const harness = new PlanHarness([
        group('main', { deployments: [{ target: 'a/m' }], retries: { attempts: 0 }, timeout_ms: 60000, fallbacks: ['hasty'] }),
        group('hasty', { deployments: [{ target: 'b/m' }], timeout_ms: 20 }),
      ]);
      harness.on('a/m', errorOf('upstream_server_error')).on('b/m', never());
      const error = await failure(harness.route('main'));
      expect(error.message).toBe("The request deadline of 20 ms (timeout_ms of 'hasty') ran out while 'hasty' was being tried.");
    });

    it("the fallback's attempt timeout, not the first model's", async () => {
      const harness = new PlanHarness([
        group('main', { deployments: [{ target: 'a/m' }], retries: { attempts: 0 }, timeout_ms: 60000, attempt_timeout_ms: 30000, fallbacks: ['quick'] }),
        group('quick', { deployments: [{ target: 'b/m' }], retries: { attempts: 0 }, attempt_timeout_ms: 20 }),
      ]);
      harness.on('a/m', errorOf('upstream_server_error')).on('b/m', never());
      const error = await failure(harness.route('main'));
      expect(error.message).toBe("b/m did not answer within 20 ms (attempt_timeout_ms of 'quick').");
    });
  });

  it.each([
    ['a whole answer', undefined, { inputTokens: 1, outputTokens: 1 }],
    ['a failure the provider billed', new GatewayError('upstream_invalid_response', 'unreadable', { billedUsage: { inputTokens: 70, outputTokens: 7 } }), { inputTokens: 70, outputTokens: 7 }],
  ] as const)('an abandoned attempt that ends in %s before the request is over leaves what it was billed on its timeout record', async (_case, outcome, billed) => {
    let answer!: (outcome: GatewayError | undefined) => void;
    const answerWhen = new Promise<GatewayError | undefined>((resolve) => (answer = resolve));
    const harness = new PlanHarness([pair({ attempt_timeout_ms: 30 })]).on('a/m', { answerWhen });
    const { servedBy, context } = await harness.route('pair');
    expect(servedBy).toBe('b/m');
    answer(outcome);
    await expect.poll(() => context.attempts[0]!.billedUsage).toEqual(billed);
    expect(context.attempts.map((attempt) => attempt.errorCode ?? 'ok')).toEqual(['upstream_timeout', 'ok']);
    expect(context.attempts[1]!.billedUsage).toBeUndefined();
    expect(context.servedBy).toMatchObject({ provider: 'b' });
  });

  it('does not loop on fallbacks that name each other', async () => {
    const harness = new PlanHarness([
      group('x', { deployments: [{ target: 'a/m' }], retries: { attempts: 0 }, fallbacks: ['y'] }),
      group('y', { deployments: [{ target: 'b/m' }], retries: { attempts: 0 }, fallbacks: ['x'] }),
    ]);
    harness.on('a/m', errorOf('upstream_server_error')).on('b/m', errorOf('upstream_server_error'));
    const error = await failure(harness.route('x'));
    expect(error.code).toBe('upstream_server_error');
    expect(harness.calls).toEqual(['a/m', 'b/m']);
  });

  it('tries a fallback shared by two groups once', async () => {
    const harness = new PlanHarness([
      group('x', { deployments: [{ target: 'a/m' }], retries: { attempts: 0 }, fallbacks: ['y', 'z'] }),
      group('y', { deployments: [{ target: 'b/m' }], retries: { attempts: 0 }, fallbacks: ['z'] }),
      group('z', { deployments: [{ target: 'c/m' }], retries: { attempts: 0 } }),
    ]);
    harness.on('a/m', errorOf('upstream_server_error')).on('b/m', errorOf('upstream_server_error')).on('c/m', errorOf('upstream_server_error'));
    const error = await failure(harness.route('x'));
    expect(error.code).toBe('upstream_server_error');
    expect(harness.calls).toEqual(['a/m', 'b/m', 'c/m']);
  });

  it('stops when the client has gone', async () => {
    const abort = new AbortController();
    abort.abort();
    const harness = new PlanHarness([pair()]);
    const error = await failure(harness.route('pair', abort.signal));
    expect(error.code).toBe('client_closed_request');
    expect(harness.calls).toEqual([]);
  });

  it("aborts every attempt's signal with the client's reason when the client leaves, also after the plan answered (a stream still flowing)", async () => {
    const client = new AbortController();
    const harness = new PlanHarness([pair()]).on('a/m', errorOf('upstream_server_error'));
    const { servedBy } = await harness.route('pair', client.signal);
    expect(servedBy).toBe('b/m');
    expect(harness.signals).toHaveLength(2);
    expect(harness.signals.every((signal) => signal !== undefined && !signal.aborted)).toBe(true);
    const reason = new Error('client disconnected');
    client.abort(reason);
    expect(harness.signals.map((signal) => signal?.reason)).toEqual([reason, reason]);
  });
});

describe('strategies through the plan', () => {
  it('weights 3:1 serve 75% ± 3% of 4,000 requests', async () => {
    const harness = new PlanHarness([group('split', { deployments: [{ target: 'a/m', weight: 3 }, { target: 'b/m', weight: 1 }] })]);
    let first = 0;
    for (let index = 0; index < 4000; index++) if ((await harness.route('split')).servedBy === 'a/m') first++;
    expect(first / 4000).toBeGreaterThan(0.72);
    expect(first / 4000).toBeLessThan(0.78);
  });

  it('least-latency moves traffic off a deployment slowed by 200 ms within 50 requests', async () => {
    const harness = new PlanHarness([
      group('fast', { strategy: 'least-latency', deployments: [{ target: 'a/slow' }, { target: 'b/quick' }] }),
    ]);
    const served: string[] = [];
    for (let index = 0; index < 50; index++) {
      harness.on('a/slow', { latencyMs: 210 }).on('b/quick', { latencyMs: 10 });
      served.push((await harness.route('fast')).servedBy);
    }
    expect(served.filter((target) => target === 'a/slow').length).toBeLessThanOrEqual(2);
    expect(served.slice(-40).every((target) => target === 'b/quick')).toBe(true);
    expect(harness.stats.latencyOf('a/slow')).toBeGreaterThan(200);
  });

  it('least-latency counts a deployment that fails fast as slow as its attempt timeout, and a client error not at all', async () => {
    const harness = new PlanHarness([
      group('fast', { strategy: 'least-latency', attempt_timeout_ms: 5000, deployments: [{ target: 'a/m' }, { target: 'b/m' }] }),
      group('patient', { strategy: 'least-latency', retries: { attempts: 0 }, deployments: [{ target: 'c/m' }] }),
      group('strict', { strategy: 'least-latency', deployments: [{ target: 'd/m' }] }),
    ]);
    harness.stats.recordLatency('a/m', 20);
    harness.stats.recordLatency('b/m', 50);
    harness.on('a/m', errorOf('upstream_server_error'));
    expect((await harness.route('fast')).servedBy).toBe('b/m');
    expect(harness.stats.latencyOf('a/m')).toBeCloseTo(0.3 * 5000 + 0.7 * 20);
    expect((await harness.route('fast')).servedBy).toBe('b/m');
    expect(harness.calls).toEqual(['a/m', 'b/m', 'b/m']);
    // Without attempt_timeout_ms, a failure counts as the deadline (timeout_ms).
    harness.on('c/m', errorOf('rate_limit_exceeded'));
    await failure(harness.route('patient'));
    expect(harness.stats.latencyOf('c/m')).toBe(120_000);
    // The request's own fault says nothing of the deployment.
    harness.on('d/m', errorOf('invalid_request'));
    await failure(harness.route('strict'));
    expect(harness.stats.latencyOf('d/m')).toBeUndefined();
  });

  it("a budget store outage ends the request at once with the store's 503: no deployment tried after it, none recorded, no latency sample", async () => {
    const outage = () => errorOf('store_unavailable', { retryAfterSeconds: 1 });
    const harness = new PlanHarness([
      group('main', {
        strategy: 'least-latency',
        deployments: [{ target: 'a/m' }, { target: 'b/m' }],
        retries: { attempts: 2, backoff_ms: 100 },
        fallbacks: ['c/m'],
      }),
    ]);
    // The key-scope step's reservation fails in front of each deployment's provider alike.
    for (const target of ['a/m', 'b/m', 'c/m']) harness.on(target, { beforeProvider: outage() }, { beforeProvider: outage() }, { beforeProvider: outage() });
    const error = await failure(harness.route('main'));
    expect(error.code).toBe('store_unavailable');
    expect(error.retryAfterSeconds).toBe(1);
    expect(harness.calls).toHaveLength(1);
    expect(harness.clock.sleeps).toEqual([]);
    // Not the deployment's failure: no attempt in the record, nothing steering least-latency away from it.
    expect(error.context.attempts).toEqual([]);
    for (const target of ['a/m', 'b/m', 'c/m']) expect(harness.stats.latencyOf(target)).toBeUndefined();
    expect(harness.stats.inFlightOf(harness.calls[0]!)).toBe(0);
  });

  it("waiting on the gateway's own bookkeeping (a slow budget store) is not the attempt's time: its 503 ends the request, no timeout, record or latency sample", async () => {
    const harness = new PlanHarness([group('slow-store', { strategy: 'least-latency', attempt_timeout_ms: 5, deployments: [{ target: 'a/m' }, { target: 'b/m' }] })]);
    // The store gives up well after the attempt's 5 ms would have run out (timers fire in the order they expire).
    const storeGivesUp = new Promise<GatewayError>((resolve) => setTimeout(() => resolve(errorOf('store_unavailable', { retryAfterSeconds: 1 })), 50));
    harness.on('a/m', { gatewayWaits: storeGivesUp }).on('b/m', { gatewayWaits: storeGivesUp });
    const error = await failure(harness.route('slow-store'));
    expect(error.code).toBe('store_unavailable');
    expect(harness.calls).toHaveLength(1);
    expect(error.context.attempts).toEqual([]);
    for (const target of ['a/m', 'b/m']) expect(harness.stats.latencyOf(target)).toBeUndefined();
  });

  it("an attempt's timer begins once the gateway's own bookkeeping is over: the deployment answers within it and is measured from then", async () => {
    const harness = new PlanHarness([group('slow-store', { strategy: 'least-latency', attempt_timeout_ms: 5, deployments: [{ target: 'a/m' }, { target: 'b/m' }] })]);
    const holdMade = new Promise<void>((resolve) => setTimeout(resolve, 50));
    harness.on('a/m', { gatewayWaits: holdMade }).on('b/m', { gatewayWaits: holdMade });
    const { servedBy, context } = await harness.route('slow-store');
    expect(servedBy).toBe(harness.calls[0]);
    expect(harness.calls).toHaveLength(1);
    expect(context.attempts.map((attempt) => attempt.errorCode ?? 'ok')).toEqual(['ok']);
  });

  it('least-busy sends the next call to the deployment with fewer in flight', async () => {
    const harness = new PlanHarness([group('busy', { strategy: 'least-busy', deployments: [{ target: 'a/m' }, { target: 'b/m' }] })]);
    harness.stats.begin('a/m');
    harness.stats.begin('a/m');
    expect((await harness.route('busy')).servedBy).toBe('b/m');
    expect(harness.stats.inFlightOf('b/m')).toBe(0);
  });

  it('cheapest tries the cheapest deployment first, then the next on failure', async () => {
    const harness = new PlanHarness([
      group('thrifty', {
        strategy: 'cheapest',
        deployments: [
          { target: 'a/pricey', price: { input: 5, output: 15 } },
          { target: 'b/cheap', price: { input: 0.1, output: 0.4 } },
        ],
      }),
    ]);
    // The harness prices everything at 0 from the runtime; hints win.
    expect((await harness.route('thrifty')).servedBy).toBe('a/pricey');
  });
});
