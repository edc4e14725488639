import { GatewayError, type BudgetStore } from '@switchyard/core';

/**
 * The store, but the next `count` calls of `method` lose their reply: each runs to
 * its end (its transaction commits), then its caller hears the outage a query timeout
 * gives (503 `store_unavailable`), as when a reply is lost on the way back.
 */
export function losingReplies(store: BudgetStore): { store: BudgetStore; loseNext(method: keyof BudgetStore, count?: number): void } {
  const toLose = new Map<PropertyKey, number>();
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        const left = toLose.get(property) ?? 0;
        if (left === 0) return result;
        toLose.set(property, left - 1);
        throw new GatewayError('store_unavailable', 'The gateway cannot reach its database right now; try again shortly.', { cause: new Error('Query read timeout') });
      };
    },
  });
  return { store: proxy, loseNext: (method, count = 1) => void toLose.set(method, (toLose.get(method) ?? 0) + count) };
}
