import { describe, expect, it } from 'vitest';
import { DeploymentStats, LATENCY_EWMA_ALPHA, LATENCY_MAX_AGE_MS, selectLeastLatency } from '../src/index.js';

describe('selectLeastLatency', () => {
  it('tries deployments never measured first, then the fastest', () => {
    const latency: Record<string, number | undefined> = { slow: 300, fast: 20, fresh: undefined, medium: 90 };
    const order = selectLeastLatency(['slow', 'fast', 'fresh', 'medium'], (id) => latency[id]);
    expect(order).toEqual(['fresh', 'fast', 'medium', 'slow']);
  });
});

describe('DeploymentStats', () => {
  it('keeps an EWMA of the time to first byte with alpha 0.3', () => {
    expect(LATENCY_EWMA_ALPHA).toBe(0.3);
    const stats = new DeploymentStats();
    expect(stats.latencyOf('a/m')).toBeUndefined();
    stats.recordLatency('a/m', 100);
    expect(stats.latencyOf('a/m')).toBe(100);
    stats.recordLatency('a/m', 200);
    expect(stats.latencyOf('a/m')).toBeCloseTo(0.3 * 200 + 0.7 * 100);
    stats.recordLatency('a/m', 200);
    expect(stats.latencyOf('a/m')).toBeCloseTo(0.3 * 200 + 0.7 * 130);
  });

  it('forgets a measurement not renewed for a minute, and starts the average afresh after it', () => {
    expect(LATENCY_MAX_AGE_MS).toBe(60_000);
    let now = 5_000;
    const stats = new DeploymentStats(LATENCY_EWMA_ALPHA, () => now);
    stats.recordLatency('a/m', 120_000);
    now += LATENCY_MAX_AGE_MS - 1;
    expect(stats.latencyOf('a/m')).toBe(120_000);
    now += 1;
    expect(stats.latencyOf('a/m')).toBeUndefined();
    stats.recordLatency('a/m', 40);
    expect(stats.latencyOf('a/m')).toBe(40);
  });

  it('counts calls in flight and never below zero', () => {
    const stats = new DeploymentStats();
    stats.begin('a/m');
    stats.begin('a/m');
    stats.end('a/m');
    expect(stats.inFlightOf('a/m')).toBe(1);
    stats.end('a/m');
    stats.end('a/m');
    expect(stats.inFlightOf('a/m')).toBe(0);
    expect(stats.inFlightOf('never/seen')).toBe(0);
  });
});
