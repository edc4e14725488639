import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * What docs/metrics.md says of a response-cache hit: `switchyard_tokens_total` counts the
 * tokens of the answer it replays again, under the deployment that first served it, though
 * no upstream processed them; `kind="cached"` is the provider's prompt caching, replayed as
 * well, not the gateway's cache. No label tells the hit apart there: the hit shows in
 * `switchyard_cache_lookups_total{result="hit"}`, its cost is 0 (without `bill_hits`), and
 * the ledger's record says `cache_hit: true`.
 */
describe('a response-cache hit in switchyard_tokens_total', () => {
  let upstream: MockOpenAI;
  let gateway: TestGateway;
  let dataDir: string;

  beforeAll(async () => {
    upstream = await startMockOpenAI();
    dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-metrics-cache-hit-'));
    gateway = await startTestGateway({
      server: { data_dir: dataDir, cost_header: true },
      storage: { use: 'sqlite' },
      usage: { flush_interval_ms: 20 },
      providers: { up: { use: 'openai', api_key: 'sk-up-test-abcdefgh', base_url: upstream.url } },
      models: { mini: { deployments: [{ target: 'up/gpt-4o-mini' }] } },
      chain: ['auth', 'key-scope', 'rate-limit', 'circuit-breaker', 'cache', 'route', 'adapter'],
    });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const ask = () =>
    fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mini', messages: [{ role: 'user', content: 'the same question' }] }),
    });

  async function scrape(): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const line of (await (await fetch(`${gateway.origin}/metrics`)).text()).split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const space = line.lastIndexOf(' ');
      found.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
    return found;
  }

  it('counts the replayed answer\'s tokens again, under the deployment that served it first; its cost is 0 and the ledger marks it', async () => {
    upstream.enqueue({ reply: { usage: { prompt_tokens: 40, completion_tokens: 7, cached_tokens: 16 } } });
    const first = await ask();
    await first.text();
    const hit = await ask();
    await hit.text();
    expect([first.headers.get('x-switchyard-cache'), hit.headers.get('x-switchyard-cache')]).toEqual(['MISS', 'HIT']);
    expect(upstream.requests).toHaveLength(1);

    const metrics = await scrape();
    const tokens = (kind: string) => metrics.get(`switchyard_tokens_total{provider="up",model="up/gpt-4o-mini",kind="${kind}"}`);
    expect([tokens('input'), tokens('output'), tokens('cached')]).toEqual([80, 14, 32]);
    expect([...metrics.keys()].filter((name) => name.startsWith('switchyard_tokens_total{'))).toHaveLength(3);
    expect(metrics.get('switchyard_cache_lookups_total{result="hit"}')).toBe(1);
    expect(hit.headers.get('x-switchyard-cost')).toBe('0');
    expect(metrics.get('switchyard_cost_usd_total{provider="up",model="up/gpt-4o-mini"}')).toBe(Number(first.headers.get('x-switchyard-cost')));

    const records = async () => {
      const answer = await fetch(`${gateway.origin}/admin/requests`, { headers: { authorization: `Bearer ${masterKey}` } });
      return ((await answer.json()) as { data: Array<{ cache_hit: boolean; input_tokens: number; cost_usd: number }> }).data;
    };
    await expect.poll(async () => (await records()).length).toBe(2);
    const [newest, oldest] = await records();
    expect([newest, oldest].map((record) => [record!.cache_hit, record!.input_tokens])).toEqual([
      [true, 40],
      [false, 40],
    ]);
    expect(newest!.cost_usd).toBe(0);
  });
});
