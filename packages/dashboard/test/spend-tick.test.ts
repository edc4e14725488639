import { describe, expect, it } from 'vitest';
// @ts-expect-error the page's own module is plain JavaScript, without types
import { spendTick } from '../public/format.js';

const tick = spendTick as (value: number, step: number) => string;

describe("spendTick: the spend chart's axis labels", () => {
  it('gives ticks a fraction of a cent apart the decimals that tell them apart (they all read $0.0000 before)', () => {
    const labels = [0, 0.00002, 0.00004, 0.00006, 0.00008].map((value) => tick(value, 0.00002));
    expect(labels).toEqual(['$0.00000', '$0.00002', '$0.00004', '$0.00006', '$0.00008']);
    expect(new Set([0, 0.0005, 0.001].map((value) => tick(value, 0.0005))).size).toBe(3);
  });

  it('writes cents for steps of a cent or more, and never more than micro-dollars', () => {
    expect([0, 0.5, 1].map((value) => tick(value, 0.5))).toEqual(['$0.00', '$0.50', '$1.00']);
    expect(tick(20, 10)).toBe('$20.00');
    expect(tick(0.0000001, 0.0000001)).toBe('$0.000000');
  });
});
