import { describe, expect, it } from 'vitest';
import circuitBreaker from '../src/index.js';

describe('the circuit-breaker options', () => {
  it('defaults to per-process breakers', () => {
    expect(() => circuitBreaker({})).not.toThrow();
    expect(() => circuitBreaker({ shared: { use: 'none' } })).not.toThrow();
  });

  it('accepts a Redis with every setting, or with none (defaults)', () => {
    expect(() => circuitBreaker({ shared: { use: 'redis' } })).not.toThrow();
    expect(() =>
      circuitBreaker({
        shared: { use: 'redis', url: 'rediss://user:pw@redis.internal:6380/2', key_prefix: 'fleet-a:breaker:', connect_timeout_ms: 500, command_timeout_ms: 100, refresh_interval_ms: 2000, ping_interval_ms: 10_000 },
      }),
    ).not.toThrow();
  });

  it.each([
    ['Redis settings under use: none', { use: 'none', url: 'redis://127.0.0.1:6379' }],
    ['an unknown backend', { use: 'memcached' }],
    ['no use', { url: 'redis://127.0.0.1:6379' }],
    ['a URL that is not Redis', { use: 'redis', url: 'http://127.0.0.1:6379' }],
    ['an unknown setting', { use: 'redis', on_error: 'fail-open' }],
    ['a zero timeout', { use: 'redis', command_timeout_ms: 0 }],
    ['an infinite timeout (JSON 1e309)', { use: 'redis', command_timeout_ms: Infinity }],
    ['a refresh faster than 50 ms', { use: 'redis', refresh_interval_ms: 10 }],
    ['a PING more often than every 50 ms', { use: 'redis', ping_interval_ms: 10 }],
    ['a PING rarer than every 5 min', { use: 'redis', ping_interval_ms: 300_001 }],
    ['a PING interval under use: none', { use: 'none', ping_interval_ms: 5000 }],
    ['a key prefix longer than 200 characters', { use: 'redis', key_prefix: 'x'.repeat(201) }],
  ])('refuses %s', (_case, shared) => {
    expect(() => circuitBreaker({ shared })).toThrow();
  });

  it('bounds the reset timeout and the window to a day (Node timers overflow past 2^31 ms)', () => {
    expect(() => circuitBreaker({ reset_timeout_ms: 86_400_000, rolling_window_ms: 86_400_000 })).not.toThrow();
    expect(() => circuitBreaker({ reset_timeout_ms: 86_400_001 })).toThrow();
    expect(() => circuitBreaker({ rolling_window_ms: 3_000_000_000 })).toThrow();
  });
});
