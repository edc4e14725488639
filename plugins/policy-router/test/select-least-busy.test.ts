import { describe, expect, it } from 'vitest';
import { selectLeastBusy } from '../src/index.js';

describe('selectLeastBusy', () => {
  it('puts the deployment with the fewest calls in flight first, ties in the given order', () => {
    const inFlight: Record<string, number> = { a: 3, b: 0, c: 1, d: 0 };
    expect(selectLeastBusy(['a', 'b', 'c', 'd'], (id) => inFlight[id]!)).toEqual(['b', 'd', 'c', 'a']);
  });
});
