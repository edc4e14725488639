import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ModelInfo } from '../src/canonical/model-info.js';
import { ModelCatalog } from '../src/gateway/model-catalog.js';
import { createLogger } from '../src/index.js';
import type { Provider } from '../src/plugin/provider-types.js';

/**
 * `isListed` decides, per request and for names clients choose, whether a deployment
 * gets its own metric label and breaker: only from the provider's last fetched list.
 */
function catalogOf(lists: Array<ModelInfo[] | Error>): ModelCatalog {
  let call = 0;
  const provider = {
    id: 'up',
    modelsTtlMs: 0,
    listModels: async () => {
      const next = lists[Math.min(call++, lists.length - 1)]!;
      if (next instanceof Error) throw next;
      return next;
    },
  } as unknown as Provider;
  return new ModelCatalog(new Map([['up', provider]]), {}, createLogger({ level: 'silent' }));
}

describe('ModelCatalog.isListed', () => {
  afterEach(() => vi.useRealTimers());

  it('answers from the last list fetched: never before one, the same after a failed fetch, the new one after a good fetch', async () => {
    // 10,000 models, as many as a list keeps.
    const many = Array.from({ length: 9_999 }, (_, index) => ({ id: `m-${index}` }));
    const catalog = catalogOf([[...many, { id: 'vendor/nested' }], new Error('down'), [{ id: 'm-1' }]]);
    expect(catalog.isListed('up/m-1')).toBe(false);

    await catalog.list();
    const table: Array<[string, boolean]> = [
      ['up/m-1', true],
      ['up/m-9998', true],
      ['up/vendor/nested', true],
      ['up/m-9999', false],
      ['up/', false],
      ['other/m-1', false],
      ['m-1', false],
      ['/m-1', false],
      ['up/M-1', false],
      ['up/constructor', false],
      ['up/__proto__', false],
    ];
    for (const [name, listed] of table) expect([name, catalog.isListed(name)]).toEqual([name, listed]);

    await catalog.list(); // the provider fails: the last list stands
    expect(catalog.isListed('up/m-9998')).toBe(true);

    // A failed listing is asked again only after its retry wait (30 s).
    vi.useFakeTimers({ toFake: ['Date'] });
    await catalog.list();
    expect(catalog.isListed('up/m-9998')).toBe(true);
    vi.setSystemTime(Date.now() + 30_001);
    await catalog.list(); // a shorter list replaces it
    expect(catalog.isListed('up/m-1')).toBe(true);
    expect(catalog.isListed('up/m-9998')).toBe(false);
  });
});
