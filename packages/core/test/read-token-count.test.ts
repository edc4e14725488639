import { describe, expect, it } from 'vitest';
import { MAX_TOKEN_COUNT, readTokenCount, readTokenDetail } from '../src/canonical/read-token-count.js';

describe('readTokenCount: the one rule every decoder reads usage counts by', () => {
  it('reads whole non-negative safe integers, and digits written as text', () => {
    expect(readTokenCount(0)).toBe(0);
    expect(readTokenCount(121)).toBe(121);
    expect(readTokenCount(MAX_TOKEN_COUNT)).toBe(MAX_TOKEN_COUNT);
    expect(readTokenCount('9')).toBe(9);
    expect(readTokenCount(String(MAX_TOKEN_COUNT))).toBe(MAX_TOKEN_COUNT);
  });

  it('reads absent and null as absent', () => {
    expect(readTokenCount(undefined)).toBeUndefined();
    expect(readTokenCount(null)).toBeUndefined();
  });

  it.each([-1, 9.5, Number.POSITIVE_INFINITY, Number.NaN, 2 ** 53, Number.MAX_SAFE_INTEGER, MAX_TOKEN_COUNT + 1, String(MAX_TOKEN_COUNT + 1), '-9', '9.5', 'lots', '', '1e3', '1234567890123456', true, {}, [9]])('reads %s as not a count (NaN)', (value) => {
    expect(readTokenCount(value)).toBeNaN();
  });

  it('reads a detail that is not a count as 0', () => {
    expect(readTokenDetail(4)).toBe(4);
    expect(readTokenDetail(-4)).toBe(0);
    expect(readTokenDetail(undefined)).toBe(0);
  });
});
