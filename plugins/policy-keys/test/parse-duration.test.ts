import { describe, expect, it } from 'vitest';
import { parseDuration } from '../src/index.js';

describe('parseDuration', () => {
  it.each([
    ['30d', 30 * 86_400_000],
    ['12h', 12 * 3_600_000],
    ['90m', 90 * 60_000],
    ['2s', 2000],
    ['500ms', 500],
    ['2w', 14 * 86_400_000],
    ['1h30m', 90 * 60_000],
    ['1d12h', 36 * 3_600_000],
    [' 10M ', 600_000],
    ['600', 600_000],
    ['0', 0],
    ['0s', 0],
  ])('reads %j', (text, milliseconds) => {
    expect(parseDuration(text)).toBe(milliseconds);
  });

  it('reads a number as seconds', () => {
    expect(parseDuration(600)).toBe(600_000);
    expect(parseDuration(0)).toBe(0);
  });

  it.each(['', 'd', '30x', '-5m', '1.5h', 'ten minutes', '5 m', 'm5', '1h 30m', '1e3s', '99999999999999999999d', '1h30m1h', '30m1h', '1h1h', '5s500ms1s'])(
    'refuses %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );

  it('refuses negative, fractional and unsafe numbers', () => {
    expect(parseDuration(-1)).toBeUndefined();
    expect(parseDuration(1.5)).toBeUndefined();
    expect(parseDuration(Number.NaN)).toBeUndefined();
    expect(parseDuration(Number.MAX_SAFE_INTEGER)).toBeUndefined();
  });
});
