import { describe, expect, it } from 'vitest';
import { backoffDelayMs, retryDelayMs } from '../src/index.js';

const policy = { attempts: 5, backoffMs: 200, maxBackoffMs: 1000 };

describe('retry delays', () => {
  it('doubles the ceiling each round and caps it, with full jitter below it', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5].map((round) => backoffDelayMs(round, policy, top))).toEqual([199, 399, 799, 999, 999]);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(400);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
  });

  it('waits at least what Retry-After asked for', () => {
    expect(retryDelayMs(1, policy, () => 0.5, 2)).toBe(2000);
    expect(retryDelayMs(1, policy, () => 0.5, 0.05)).toBe(100);
    expect(retryDelayMs(1, policy, () => 0.5, undefined)).toBe(100);
  });
});
