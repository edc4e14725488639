import { createLogger, GatewayError, type Deployment, type ErrorCode, type ProviderResult } from '@switchyard/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeploymentBreakers, type ProbeClaim, type SharedBreakerState, type SharedMarkState } from '../src/index.js';

const logger = createLogger({ level: 'silent' });
const gpt: Deployment = { provider: 'openai', model: 'gpt-4o-mini' };
const answer = { kind: 'chat-response', response: {} } as unknown as ProviderResult;

/** A shared state held in the test: marks set by hand, every call recorded. */
class FakeSharedState implements SharedBreakerState {
  readonly marks = new Map<string, SharedMarkState>();
  readonly calls: string[] = [];
  claims: ProbeClaim[] = [];
  private closeListener: ((deployment: string) => void) | undefined;
  private pendingClaim: ((claim: ProbeClaim) => void) | undefined;
  holdClaims = false;

  stateOf(deployment: string) {
    return this.marks.get(deployment);
  }
  claimProbe(deployment: string, ttlMs: number): Promise<ProbeClaim> {
    this.calls.push(`claim ${deployment} ${ttlMs}`);
    if (this.holdClaims) return new Promise((resolve) => (this.pendingClaim = resolve));
    return Promise.resolve(this.claims.shift() ?? 'claimed');
  }
  answerClaim(claim: ProbeClaim) {
    this.pendingClaim?.(claim);
  }
  releaseProbe(deployment: string) {
    this.calls.push(`release ${deployment}`);
  }
  markOpen(deployment: string, openMs: number) {
    this.calls.push(`open ${deployment} ${openMs}`);
  }
  markClosed(deployment: string) {
    this.calls.push(`close ${deployment}`);
  }
  onRemoteClose(listener: (deployment: string) => void) {
    this.closeListener = listener;
  }
  remoteClose(deployment: string) {
    this.marks.delete(deployment);
    this.closeListener?.(deployment);
  }
  health() {
    return { backend: 'fake', reachable: true, open: {} };
  }
  close() {
    return Promise.resolve();
  }
}

const created: DeploymentBreakers[] = [];
afterEach(() => {
  for (const breakers of created.splice(0)) breakers.shutdown();
});

function breakersWith(shared: FakeSharedState, isKnown: (name: string) => boolean = () => true) {
  const breakers = new DeploymentBreakers(
    { error_threshold_percentage: 50, volume_threshold: 2, rolling_window_ms: 10_000, reset_timeout_ms: 60_000, deployments: {}, max_breakers: 10, max_unlisted_breakers: 2 },
    logger,
    isKnown,
    shared,
  );
  created.push(breakers);
  return breakers;
}

const failing = (code: ErrorCode, status = 500) => () => Promise.reject(new GatewayError(code, code, { provider: 'openai', upstreamStatus: status }));

async function settle(promise: Promise<ProviderResult>) {
  try {
    return { ok: true as const, value: await promise };
  } catch (error) {
    return { ok: false as const, error: error as GatewayError };
  }
}

describe('DeploymentBreakers with a shared state', () => {
  it('writes an open mark when a known breaker opens, never for a made-up name', async () => {
    const shared = new FakeSharedState();
    const breakers = breakersWith(shared, (name) => name === 'openai/gpt-4o-mini');
    for (let i = 0; i < 2; i++) await settle(breakers.call(gpt, failing('upstream_server_error')));
    expect(breakers.stateOf(gpt)).toBe('open');
    const madeUp = { provider: 'openai', model: 'made-up' };
    for (let i = 0; i < 2; i++) await settle(breakers.call(madeUp, failing('upstream_server_error')));
    expect(breakers.stateOf(madeUp)).toBe('open');
    expect(shared.calls).toEqual(['open openai/gpt-4o-mini 60000']);
  });

  it('refuses a deployment another instance opened at once, with the local refusal, without calling it', async () => {
    const shared = new FakeSharedState();
    shared.marks.set('openai/gpt-4o-mini', 'open');
    const breakers = breakersWith(shared);
    const upstream = vi.fn(() => Promise.resolve(answer));
    const refused = await settle(breakers.call(gpt, upstream));
    expect(upstream).not.toHaveBeenCalled();
    expect(refused.ok).toBe(false);
    expect(refused.ok || [refused.error.code, refused.error.status, refused.error.retryable, refused.error.message]).toEqual([
      'upstream_overloaded',
      503,
      true,
      'circuit open for openai/gpt-4o-mini',
    ]);
    expect(breakers.health().breakers['openai/gpt-4o-mini']).toMatchObject({ state: 'open', rejects: 1, fires: 1 });
    expect(breakers.health().healthy).toBe(false);
  });

  it('half-open for the fleet: the instance holding the probe token calls the upstream, and its success closes the mark', async () => {
    const shared = new FakeSharedState();
    shared.marks.set('openai/gpt-4o-mini', 'half-open');
    const breakers = breakersWith(shared);
    expect((await settle(breakers.call(gpt, () => Promise.resolve(answer)))).ok).toBe(true);
    expect(shared.calls).toEqual(['claim openai/gpt-4o-mini 60000', 'close openai/gpt-4o-mini']);
  });

  it("a fleet probe that meets the gateway's store down in front of the provider gives the token back, closing nothing", async () => {
    const shared = new FakeSharedState();
    shared.marks.set('openai/gpt-4o-mini', 'half-open');
    const breakers = breakersWith(shared);
    await settle(breakers.call(gpt, () => Promise.reject(new GatewayError('store_unavailable', 'The gateway cannot reach its database right now; try again shortly.'))));
    expect(shared.calls).toEqual(['claim openai/gpt-4o-mini 60000', 'release openai/gpt-4o-mini']);
  });

  it.each([
    ["key-scope's spent budget", 'insufficient_quota'],
    ["key-scope's refusal of an unpriced model", 'model_unpriced'],
    ['the gateway shutting down', 'shutting_down'],
  ] as const)('a fleet probe refused by %s gives the token back, closing nothing', async (_case, code) => {
    const shared = new FakeSharedState();
    shared.marks.set('openai/gpt-4o-mini', 'half-open');
    const breakers = breakersWith(shared);
    await settle(breakers.call(gpt, () => Promise.reject(new GatewayError(code, 'refused in front of the provider'))));
    expect(shared.calls).toEqual(['claim openai/gpt-4o-mini 60000', 'release openai/gpt-4o-mini']);
  });

  it('a probe that fails writes a fresh open mark; one whose client left gives the token back; a 400 closes', async () => {
    const shared = new FakeSharedState();
    shared.marks.set('openai/gpt-4o-mini', 'half-open');
    const breakers = breakersWith(shared);
    await settle(breakers.call(gpt, failing('upstream_timeout', 0)));
    await settle(breakers.call(gpt, () => Promise.reject(new GatewayError('client_closed_request', 'gone'))));
    await settle(breakers.call(gpt, failing('upstream_bad_request', 400)));
    expect(shared.calls).toEqual([
      'claim openai/gpt-4o-mini 60000',
      'open openai/gpt-4o-mini 60000',
      'claim openai/gpt-4o-mini 60000',
      'release openai/gpt-4o-mini',
      'claim openai/gpt-4o-mini 60000',
      'close openai/gpt-4o-mini',
    ]);
  });

  it('the probe token wins over a local breaker whose own timer has not run yet', async () => {
    const shared = new FakeSharedState();
    const breakers = breakersWith(shared);
    for (let i = 0; i < 2; i++) await settle(breakers.call(gpt, failing('upstream_server_error')));
    shared.calls.length = 0;
    // The fleet's mark ran out while this breaker's 60 s reset timer has not fired.
    shared.marks.set('openai/gpt-4o-mini', 'half-open');
    const upstream = vi.fn(() => Promise.resolve(answer));
    expect((await settle(breakers.call(gpt, upstream))).ok).toBe(true);
    expect(upstream).toHaveBeenCalledOnce();
    expect(shared.calls).toEqual(['claim openai/gpt-4o-mini 60000', 'close openai/gpt-4o-mini']);
    shared.marks.delete('openai/gpt-4o-mini');
    expect(breakers.stateOf(gpt)).toBe('closed');
  });

  it('a failed probe around a locally open breaker writes a fresh mark', async () => {
    const shared = new FakeSharedState();
    const breakers = breakersWith(shared);
    for (let i = 0; i < 2; i++) await settle(breakers.call(gpt, failing('upstream_server_error')));
    shared.calls.length = 0;
    shared.marks.set('openai/gpt-4o-mini', 'half-open');
    await settle(breakers.call(gpt, failing('upstream_overloaded', 503)));
    expect(shared.calls).toEqual(['claim openai/gpt-4o-mini 60000', 'open openai/gpt-4o-mini 60000']);
  });

  it('refuses without calling the upstream when another instance holds the token', async () => {
    const shared = new FakeSharedState();
    shared.marks.set('openai/gpt-4o-mini', 'half-open');
    shared.claims = ['taken'];
    const breakers = breakersWith(shared);
    const upstream = vi.fn(() => Promise.resolve(answer));
    const refused = await settle(breakers.call(gpt, upstream));
    expect(refused.ok || refused.error.message).toBe('circuit open for openai/gpt-4o-mini');
    expect(upstream).not.toHaveBeenCalled();
  });

  it('claims once per instance: attempts while its claim or probe is out are refused without asking Redis', async () => {
    const shared = new FakeSharedState();
    shared.marks.set('openai/gpt-4o-mini', 'half-open');
    shared.holdClaims = true;
    const breakers = breakersWith(shared);
    const upstream = vi.fn(() => Promise.resolve(answer));
    const first = settle(breakers.call(gpt, upstream));
    const second = await settle(breakers.call(gpt, upstream));
    expect(second.ok).toBe(false);
    shared.answerClaim('claimed');
    expect((await first).ok).toBe(true);
    expect(upstream).toHaveBeenCalledOnce();
    expect(shared.calls.filter((call) => call.startsWith('claim'))).toHaveLength(1);
  });

  it('falls back to the local breaker when Redis cannot answer the claim', async () => {
    const shared = new FakeSharedState();
    shared.marks.set('openai/gpt-4o-mini', 'half-open');
    shared.claims = ['unavailable', 'unavailable'];
    const breakers = breakersWith(shared);
    const upstream = vi.fn(() => Promise.resolve(answer));
    expect((await settle(breakers.call(gpt, upstream))).ok).toBe(true);
    expect((await settle(breakers.call(gpt, upstream))).ok).toBe(true);
    expect(upstream).toHaveBeenCalledTimes(2);
    expect(shared.calls.filter((call) => !call.startsWith('claim'))).toEqual([]);
  });

  it("closes the local breaker when another instance's probe succeeded", async () => {
    const shared = new FakeSharedState();
    const breakers = breakersWith(shared);
    for (let i = 0; i < 2; i++) await settle(breakers.call(gpt, failing('upstream_server_error')));
    expect(breakers.stateOf(gpt)).toBe('open');
    shared.remoteClose('openai/gpt-4o-mini');
    expect(breakers.stateOf(gpt)).toBe('closed');
    expect((await settle(breakers.call(gpt, () => Promise.resolve(answer)))).ok).toBe(true);
  });
});
