import { describe, expect, it } from 'vitest';
import { selectPriority } from '../src/index.js';
import { seededRandom } from './support/plan-harness.js';

describe('selectPriority', () => {
  it('orders by priority, lowest first, whatever the config order', () => {
    const items = [
      { id: 'backup', priority: 2, weight: 1 },
      { id: 'main', priority: 0, weight: 1 },
      { id: 'second', priority: 1, weight: 1 },
    ];
    expect(selectPriority(items, seededRandom(3)).map((item) => item.id)).toEqual(['main', 'second', 'backup']);
  });

  it('splits a tier of equal priority by weight', () => {
    const items = [
      { id: 'a', priority: 0, weight: 1 },
      { id: 'b', priority: 0, weight: 1 },
      { id: 'z', priority: 5, weight: 1 },
    ];
    const random = seededRandom(11);
    const firsts = { a: 0, b: 0, z: 0 };
    for (let index = 0; index < 1000; index++) {
      const order = selectPriority(items, random);
      firsts[order[0]!.id as 'a' | 'b']++;
      expect(order[2]!.id).toBe('z');
    }
    expect(firsts.a).toBeGreaterThan(400);
    expect(firsts.b).toBeGreaterThan(400);
  });
});

describe('selectPriority with one tier', () => {
  it('orders a single tier by weight alone, weight 0 last', () => {
    const items = [
      { id: 'off', priority: 1, weight: 0 },
      { id: 'on', priority: 1, weight: 1 },
    ];
    expect(selectPriority(items, seededRandom(5)).map((item) => item.id)).toEqual(['on', 'off']);
    expect(selectPriority([items[1]!], seededRandom(5))).toEqual([items[1]]);
    expect(selectPriority([], seededRandom(5))).toEqual([]);
  });
});
