import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, GatewayError, type Deployment, type ErrorCode, type ProviderResult, type StreamPart } from '@switchyard/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeploymentBreakers, type CircuitBreakerOptions } from '../src/index.js';

const logger = createLogger({ level: 'silent' });
const gpt: Deployment = { provider: 'openai', model: 'gpt-4o-mini' };
const claude: Deployment = { provider: 'anthropic', model: 'claude-sonnet-4-5' };
const answer: ProviderResult = {
  kind: 'chat-response',
  response: { id: 'r', model: 'gpt-4o-mini', content: [], finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: 1, outputTokens: 1 } },
} as unknown as ProviderResult;

const created: DeploymentBreakers[] = [];
afterEach(() => {
  for (const breakers of created.splice(0)) breakers.shutdown();
});

function breakersWith(options: Partial<CircuitBreakerOptions> = {}, isKnown?: (name: string) => boolean): DeploymentBreakers {
  const breakers = new DeploymentBreakers(
    {
      error_threshold_percentage: 50,
      volume_threshold: 4,
      rolling_window_ms: 10_000,
      reset_timeout_ms: 200,
      deployments: {},
      max_breakers: 1000,
      max_unlisted_breakers: 32,
      ...options,
    },
    logger,
    isKnown,
  );
  created.push(breakers);
  return breakers;
}

const failing = (code: ErrorCode, status = 500) => () => Promise.reject(new GatewayError(code, code, { provider: 'openai', upstreamStatus: status }));
const succeeding = () => Promise.resolve(answer);

/** Runs one attempt and returns what it settled to. */
async function attempt(breakers: DeploymentBreakers, deployment: Deployment, call: () => Promise<ProviderResult>) {
  try {
    return { ok: true as const, value: await breakers.call(deployment, call) };
  } catch (error) {
    return { ok: false as const, error: error as GatewayError };
  }
}

async function openCircuit(breakers: DeploymentBreakers, deployment = gpt, failures = 4) {
  for (let i = 0; i < failures; i++) await attempt(breakers, deployment, failing('upstream_server_error'));
  expect(breakers.stateOf(deployment)).toBe('open');
}

describe('DeploymentBreakers', () => {
  it('stays closed below the volume threshold, opens once the window holds enough failed requests', async () => {
    const breakers = breakersWith();
    for (let i = 0; i < 3; i++) {
      const result = await attempt(breakers, gpt, failing('upstream_server_error'));
      expect(result.ok || result.error.code).toBe('upstream_server_error');
    }
    expect(breakers.stateOf(gpt)).toBe('closed');
    await attempt(breakers, gpt, failing('upstream_timeout', 0));
    expect(breakers.stateOf(gpt)).toBe('open');
  });

  it('opens only when more than the threshold percentage failed', async () => {
    const breakers = breakersWith();
    await attempt(breakers, gpt, succeeding);
    await attempt(breakers, gpt, succeeding);
    await attempt(breakers, gpt, failing('upstream_overloaded', 503));
    await attempt(breakers, gpt, failing('rate_limit_exceeded', 429));
    expect(breakers.stateOf(gpt)).toBe('closed'); // 50 % is not more than 50 %
    await attempt(breakers, gpt, failing('upstream_unreachable', 0));
    expect(breakers.stateOf(gpt)).toBe('open'); // 3 of 5
  });

  it('refuses at once, without calling the upstream, with a retryable upstream_overloaded while open', async () => {
    const breakers = breakersWith({ reset_timeout_ms: 5000 });
    await openCircuit(breakers);
    const next = vi.fn(succeeding);
    const result = await attempt(breakers, gpt, next);
    expect(next).not.toHaveBeenCalled();
    expect(result.ok).toBe(false);
    const error = (result as { error: GatewayError }).error;
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'upstream_overloaded', status: 503, retryable: true, provider: 'openai', message: 'circuit open for openai/gpt-4o-mini' });
    // The time left before the probe, for the client when nothing else serves; the route plan does not wait on it.
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(5);
  });

  it("never counts the client's own errors, nor a client that went away", async () => {
    const breakers = breakersWith({ volume_threshold: 1 });
    for (const code of ['upstream_bad_request', 'context_length_exceeded', 'content_filter', 'invalid_request', 'upstream_authentication_failed', 'client_closed_request'] as const) {
      const result = await attempt(breakers, gpt, failing(code, 400));
      expect(result.ok || result.error.code).toBe(code); // passed through unchanged
    }
    expect(breakers.stateOf(gpt)).toBe('closed');
    // The upstream's answers count as successes; the gateway's own invalid_request and the client leaving as nothing.
    expect(breakers.health().breakers['openai/gpt-4o-mini']).toMatchObject({ failures: 0, successes: 4, fires: 4 });
  });

  describe("an error that is not the upstream's, passing through the breaker", () => {
    const notTheUpstreams: Array<[string, () => GatewayError]> = [
      ['the budget store down', () => new GatewayError('store_unavailable', 'The gateway cannot reach its database right now.', { retryAfterSeconds: 1 })],
      ["key-scope's spent budget", () => new GatewayError('insufficient_quota', 'This API key has used its budget.')],
      ["key-scope's refusal of an unpriced model", () => new GatewayError('model_unpriced', 'no price', { param: 'model', retryable: true, provider: 'openai' })],
      ['a gateway-side rate limit', () => new GatewayError('rate_limit_exceeded', 'too many requests for this key')],
      ['the client leaving', () => new GatewayError('client_closed_request', 'The client closed the request before it was answered.')],
      ['the gateway shutting down', () => new GatewayError('shutting_down', 'The gateway is shutting down.')],
      ["a step's own bug", () => new TypeError('cannot read properties of undefined') as unknown as GatewayError],
    ];

    it('counts as neither a success nor a failure: it does not water down the failures that open the circuit', async () => {
      const breakers = breakersWith({ volume_threshold: 4 });
      for (let i = 0; i < 3; i++) await attempt(breakers, gpt, failing('upstream_server_error'));
      for (const [, error] of notTheUpstreams) {
        const thrown = error();
        const result = await attempt(breakers, gpt, () => Promise.reject(thrown));
        expect(result).toEqual({ ok: false, error: thrown }); // passed through unchanged
      }
      expect(breakers.stateOf(gpt)).toBe('closed');
      expect(breakers.health().breakers['openai/gpt-4o-mini']).toMatchObject({ failures: 3, successes: 0, fires: 3 });
      // 4 failures of 4 attempts (as successes they made it 4 of 11, and the circuit stayed closed).
      await attempt(breakers, gpt, failing('upstream_server_error'));
      expect(breakers.stateOf(gpt)).toBe('open');
    });

    it('does not open a circuit however many there are', async () => {
      const breakers = breakersWith({ volume_threshold: 1 });
      for (const [, error] of notTheUpstreams) await attempt(breakers, gpt, () => Promise.reject(error()));
      expect(breakers.stateOf(gpt)).toBe('closed');
      expect(breakers.health().breakers['openai/gpt-4o-mini']).toMatchObject({ failures: 0, successes: 0, fires: 0 });
    });

    it.each(notTheUpstreams)('meeting the half-open probe (%s), does not close the circuit', async (_case, error) => {
      const breakers = breakersWith();
      await openCircuit(breakers);
      await sleep(250);
      expect(breakers.stateOf(gpt)).toBe('half-open');
      await attempt(breakers, gpt, () => Promise.reject(error()));
      expect(breakers.stateOf(gpt)).toBe('open');
      // Probed again later: an answer closes it.
      await sleep(250);
      expect((await attempt(breakers, gpt, succeeding)).ok).toBe(true);
      expect(breakers.stateOf(gpt)).toBe('closed');
    });
  });

  it('keeps one breaker per deployment: an open one does not stop the others', async () => {
    const breakers = breakersWith();
    await openCircuit(breakers, gpt);
    const next = vi.fn(succeeding);
    expect((await attempt(breakers, claude, next)).ok).toBe(true);
    expect(next).toHaveBeenCalledOnce();
    expect(breakers.stateOf(claude)).toBe('closed');
  });

  it('lets exactly one probe through after the reset timeout; its success closes the circuit', async () => {
    const breakers = breakersWith();
    await openCircuit(breakers);
    await sleep(250);
    expect(breakers.stateOf(gpt)).toBe('half-open');

    let finishProbe!: (result: ProviderResult) => void;
    const next = vi.fn(() => new Promise<ProviderResult>((resolve) => (finishProbe = resolve)));
    const concurrent = Array.from({ length: 5 }, () => attempt(breakers, gpt, next));
    await sleep(20);
    expect(next).toHaveBeenCalledOnce();
    finishProbe(answer);
    const results = await Promise.all(concurrent);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    for (const result of results.filter((result) => !result.ok)) {
      expect((result as { error: GatewayError }).error.code).toBe('upstream_overloaded');
    }
    expect(breakers.stateOf(gpt)).toBe('closed');
    expect((await attempt(breakers, gpt, succeeding)).ok).toBe(true);
  });

  it('reopens when the probe fails, and probes again after another reset timeout', async () => {
    const breakers = breakersWith();
    await openCircuit(breakers);
    await sleep(250);
    const probe = await attempt(breakers, gpt, failing('upstream_server_error'));
    expect(probe.ok || probe.error.code).toBe('upstream_server_error');
    expect(breakers.stateOf(gpt)).toBe('open');
    const next = vi.fn(succeeding);
    expect((await attempt(breakers, gpt, next)).ok).toBe(false);
    expect(next).not.toHaveBeenCalled();
    await sleep(250);
    expect((await attempt(breakers, gpt, next)).ok).toBe(true);
    expect(next).toHaveBeenCalledOnce();
    expect(breakers.stateOf(gpt)).toBe('closed');
  });

  it('stays open when the client leaves during the probe: that says nothing about the upstream', async () => {
    const breakers = breakersWith();
    await openCircuit(breakers);
    await sleep(250);
    await attempt(breakers, gpt, failing('client_closed_request', 499));
    expect(breakers.stateOf(gpt)).toBe('open');
    await sleep(250);
    expect(breakers.stateOf(gpt)).toBe('half-open');
  });

  it("stays open when the probe meets the gateway's store down in front of the provider (a chain with circuit-breaker before key-scope)", async () => {
    const breakers = breakersWith();
    await openCircuit(breakers);
    await sleep(250);
    const outage = () => Promise.reject(new GatewayError('store_unavailable', 'The gateway cannot reach its database right now; try again shortly.', { retryAfterSeconds: 1 }));
    expect(await attempt(breakers, gpt, outage)).toMatchObject({ ok: false, error: { code: 'store_unavailable' } });
    expect(breakers.stateOf(gpt)).toBe('open');
  });

  it('closes when the probe gets a client error: the upstream answered', async () => {
    const breakers = breakersWith();
    await openCircuit(breakers);
    await sleep(250);
    await attempt(breakers, gpt, failing('upstream_bad_request', 400));
    expect(breakers.stateOf(gpt)).toBe('closed');
  });

  it('counts a stream that fails before its first part, not one that fails later', async () => {
    const breakers = breakersWith({ volume_threshold: 1 });
    async function* brokenLater(): AsyncIterable<StreamPart> {
      yield { type: 'text-delta', delta: 'hel' } as StreamPart;
      throw new GatewayError('upstream_server_error', 'stream broke', { provider: 'openai' });
    }
    const result = await attempt(breakers, gpt, () => Promise.resolve({ kind: 'chat-stream', parts: brokenLater() }));
    expect(result.ok).toBe(true);
    await expect(
      (async () => {
        for await (const _part of (result as { value: { parts: AsyncIterable<StreamPart> } }).value.parts);
      })(),
    ).rejects.toMatchObject({ code: 'upstream_server_error' });
    expect(breakers.health().breakers['openai/gpt-4o-mini']).toMatchObject({ state: 'closed', failures: 0, successes: 1 });
    // The provider's stream() rejects when it fails before the first part: a failure.
    await attempt(breakers, gpt, failing('upstream_invalid_response', 200));
    expect(breakers.health().breakers['openai/gpt-4o-mini']).toMatchObject({ failures: 1, successes: 1 });
  });

  it('applies per-deployment settings, exact names over globs', async () => {
    const breakers = breakersWith({
      deployments: { 'openai/*': { volume_threshold: 1 }, 'openai/gpt-4o': { volume_threshold: 3 } },
    });
    await attempt(breakers, gpt, failing('upstream_server_error'));
    expect(breakers.stateOf(gpt)).toBe('open');
    const gpt4o = { provider: 'openai', model: 'gpt-4o' };
    await attempt(breakers, gpt4o, failing('upstream_server_error'));
    await attempt(breakers, gpt4o, failing('upstream_server_error'));
    expect(breakers.stateOf(gpt4o)).toBe('closed');
    await attempt(breakers, gpt4o, failing('upstream_server_error'));
    expect(breakers.stateOf(gpt4o)).toBe('open');
    await attempt(breakers, claude, failing('upstream_server_error'));
    expect(breakers.stateOf(claude)).toBe('closed'); // the default volume of 4
  });

  it('reports states and window counts; unhealthy only when every known breaker is open', async () => {
    const breakers = breakersWith();
    expect(breakers.health()).toEqual({ healthy: true, breakers: {} });
    await openCircuit(breakers, gpt);
    await attempt(breakers, gpt, succeeding);
    expect(breakers.health()).toEqual({
      healthy: false,
      breakers: { 'openai/gpt-4o-mini': { state: 'open', failures: 4, successes: 0, rejects: 1, fires: 5 } },
    });
    await attempt(breakers, claude, succeeding);
    const health = breakers.health();
    expect(health.healthy).toBe(true);
    expect(health.breakers['anthropic/claude-sonnet-4-5']).toEqual({ state: 'closed', failures: 0, successes: 1, rejects: 0, fires: 1 });
  });

  it('keeps at most max_breakers, dropping the least recently used', async () => {
    const breakers = breakersWith({ max_breakers: 2 });
    const model = (name: string) => ({ provider: 'openai', model: name });
    await attempt(breakers, model('a'), succeeding);
    await attempt(breakers, model('b'), succeeding);
    await attempt(breakers, model('a'), succeeding);
    await attempt(breakers, model('c'), succeeding);
    expect(Object.keys(breakers.health().breakers).sort()).toEqual(['openai/a', 'openai/c']);
  });

  it('names nobody configured or listed share a small pool; known deployments keep theirs', async () => {
    const breakers = breakersWith({ max_unlisted_breakers: 3 }, (name) => name === 'openai/gpt-4o-mini');
    await openCircuit(breakers);
    for (let index = 0; index < 1000; index++) {
      await attempt(breakers, { provider: 'openai', model: `made-up-${index}` }, succeeding);
    }
    expect(breakers.size).toEqual({ known: 1, unlisted: 3 });
    // GET /health names the known one only; the pool's are counted by state.
    expect(Object.keys(breakers.health().breakers)).toEqual(['openai/gpt-4o-mini']);
    expect(breakers.health().unlisted).toEqual({ closed: 3, open: 0, 'half-open': 0 });
    expect(breakers.stateOf(gpt)).toBe('open'); // the known breaker was not pushed out
  });

  it('passes attempts straight through after shutdown', async () => {
    const breakers = breakersWith();
    await openCircuit(breakers);
    breakers.shutdown();
    const next = vi.fn(succeeding);
    expect((await attempt(breakers, gpt, next)).ok).toBe(true);
    expect(next).toHaveBeenCalledOnce();
  });

  it('forgets failures once they leave the rolling window', async () => {
    // Fake timers: the window rotates on an interval timer, which a loaded machine
    // may run late; advancing the clock makes every rotation happen.
    vi.useFakeTimers();
    try {
      const breakers = breakersWith({ rolling_window_ms: 100 });
      for (let i = 0; i < 3; i++) await attempt(breakers, gpt, failing('upstream_server_error'));
      await vi.advanceTimersByTimeAsync(150);
      await attempt(breakers, gpt, failing('upstream_server_error'));
      expect(breakers.stateOf(gpt)).toBe('closed');
      expect(breakers.health().breakers['openai/gpt-4o-mini']).toMatchObject({ failures: 1, fires: 1 });
    } finally {
      vi.useRealTimers();
    }
  });
});
