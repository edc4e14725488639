import { describe, expect, it } from 'vitest';
import { costPerThousand, selectCheapest, type GroupDeployment } from '../src/index.js';

function deployment(key: string, price?: { input: number; output: number }): GroupDeployment {
  const [provider, model] = key.split('/') as [string, string];
  return { provider, model, key, weight: 1, priority: 0, ...(price && { price }) };
}

describe('selectCheapest', () => {
  it('orders by cost, ties in the given order', () => {
    const cost: Record<string, number> = { a: 5, b: 1, c: 5, d: 0.5 };
    expect(selectCheapest(['a', 'b', 'c', 'd'], (id) => cost[id]!)).toEqual(['d', 'b', 'a', 'c']);
  });

  it('prices a call of 1,000 + 1,000 tokens by the hint, else by the runtime pricing', () => {
    const pricing = (provider: string, model: string) => (provider === 'b' && model === 'big' ? 0.02 : 0);
    const hinted = deployment('a/small', { input: 0.15, output: 0.6 });
    expect(costPerThousand(hinted, pricing)).toBeCloseTo(0.00075);
    expect(costPerThousand(deployment('b/big'), pricing)).toBe(0.02);
    const order = selectCheapest([deployment('b/big'), hinted], (item) => costPerThousand(item, pricing));
    expect(order.map((item) => item.key)).toEqual(['a/small', 'b/big']);
  });
});
