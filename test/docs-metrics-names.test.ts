import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { repoRoot as root } from './support/markdown-files.js';

/*
 * docs/metrics.md ("every `/metrics` series") against what a gateway serves. Its ledger row
 * wrote three series as `…_dropped_records_total`, `…_refused_records_total` and
 * `…_failed_writes_total`: a reader who saw `switchyard_usage_dropped_records_total` in
 * Prometheus and looked it up in the page found nothing. Every `switchyard_*` series a gateway
 * with every series-making part on (storage, the memory cache, alert webhooks) serves must be
 * written out whole in the page or in docs/alerts.md, and every series they name must be served.
 */

const docs = ['docs/metrics.md', 'docs/alerts.md'].map((doc) => readFileSync(path.join(root, doc), 'utf8')).join('\n');

/** The whole `switchyard_…` names a text writes (a name cut with `…` is not one). */
function namesWritten(text: string): Set<string> {
  return new Set([...text.matchAll(/(?<![\w…])switchyard_[a-z0-9_]*[a-z0-9](?![\w…])/g)].map((match) => match[0]));
}

describe('docs/metrics.md names every series /metrics serves', () => {
  let gateway: TestGateway;
  let served: Set<string>;

  beforeAll(async () => {
    gateway = await startTestGateway({
      server: { data_dir: path.join(root, 'node_modules/.cache') },
      storage: { use: 'sqlite', path: ':memory:' },
      providers: { mock: {} },
      chain: [
        'auth',
        { 'key-scope': { alerts: { webhooks: [{ name: 'ops', url: 'http://127.0.0.1:9/hook', secret: 'docs-metrics-webhook-secret-0123' }] } } },
        'rate-limit',
        'circuit-breaker',
        { cache: { store: { use: 'memory' } } },
        'route',
        'adapter',
      ],
    });
    const answer = await fetch(`${gateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(answer.status).toBe(200);
    const scrape = await fetch(`${gateway.origin}/metrics`);
    expect(scrape.status).toBe(200);
    const text = await scrape.text();
    served = new Set([...text.matchAll(/^# TYPE (switchyard_\w+) /gm)].map((match) => match[1]!));
  }, 30_000);

  afterAll(async () => {
    await gateway?.close();
  });

  it('every switchyard_* series served is written out whole in the docs', () => {
    expect(served.size).toBeGreaterThan(20);
    const written = namesWritten(docs);
    expect([...served].filter((name) => !written.has(name)).sort()).toEqual([]);
  });

  it('every series the docs name is served', () => {
    const named = [...namesWritten(docs)].filter((name) => !name.endsWith('_'));
    expect(named.filter((name) => !served.has(name)).sort()).toEqual([]);
  });
});
