import { describe, expect, it } from 'vitest';
import { selectWeighted } from '../src/index.js';
import { seededRandom } from './support/plan-harness.js';

describe('selectWeighted', () => {
  const a = { id: 'a', weight: 3 };
  const b = { id: 'b', weight: 1 };

  it('picks by the draw: [0, 0.75) is the first of weight 3, [0.75, 1) the second', () => {
    expect(selectWeighted([a, b], () => 0).map((item) => item.id)).toEqual(['a', 'b']);
    expect(selectWeighted([a, b], () => 0.7499).map((item) => item.id)).toEqual(['a', 'b']);
    expect(selectWeighted([a, b], () => 0.75).map((item) => item.id)).toEqual(['b', 'a']);
    expect(selectWeighted([a, b], () => 0.999999).map((item) => item.id)).toEqual(['b', 'a']);
  });

  it('puts every item in the order exactly once, weight 0 last', () => {
    const zero = { id: 'z', weight: 0 };
    const order = selectWeighted([zero, a, b], seededRandom(7)).map((item) => item.id);
    expect(order).toHaveLength(3);
    expect(order.at(-1)).toBe('z');
    expect(new Set(order)).toEqual(new Set(['a', 'b', 'z']));
  });

  it('gives 3:1 weights 75% ± 3% of the first picks over 4,000 draws', () => {
    const random = seededRandom(42);
    let first = 0;
    for (let index = 0; index < 4000; index++) if (selectWeighted([a, b], random)[0] === a) first++;
    expect(first / 4000).toBeGreaterThan(0.72);
    expect(first / 4000).toBeLessThan(0.78);
  });

  it('draws each next item among the rest in their config order', () => {
    const draws = [0.9, 0, 0];
    const items = ['x', 'y', 'z'].map((id) => ({ id, weight: 1 }));
    expect(selectWeighted(items, () => draws.shift()!).map((item) => item.id)).toEqual(['z', 'x', 'y']);
  });

  it('never runs past the end when the draw is 1 minus a rounding error', () => {
    const items = [{ weight: 0.1 }, { weight: 0.2 }];
    expect(selectWeighted(items, () => 0.9999999999999999)).toHaveLength(2);
  });
});
