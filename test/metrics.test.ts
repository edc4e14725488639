import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const chain = ['auth', 'key-scope', 'rate-limit', 'circuit-breaker', 'cache', 'route', 'adapter'];

/** The samples of a Prometheus text answer, by `name{labels}` exactly as written. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    found.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return found;
}

describe('/metrics after mixed traffic', () => {
  let east: MockOpenAI;
  let west: MockOpenAI;
  let gateway: TestGateway;
  let dataDir: string;

  beforeAll(async () => {
    east = await startMockOpenAI();
    west = await startMockOpenAI();
    dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-metrics-'));
    gateway = await startTestGateway({
      server: { data_dir: dataDir, cost_header: true },
      storage: { use: 'sqlite' },
      usage: { flush_interval_ms: 20 },
      providers: {
        east: { use: 'openai', api_key: 'sk-east-test-abcdefgh', base_url: east.url },
        west: { use: 'openai', api_key: 'sk-west-test-abcdefgh', base_url: west.url },
      },
      models: {
        pair: {
          deployments: [
            { target: 'east/gpt-4o-mini', priority: 0 },
            { target: 'west/gpt-4o-mini', priority: 1 },
          ],
        },
        solo: { deployments: [{ target: 'east/gpt-4o-mini' }], retries: { attempts: 1, backoff_ms: 1 } },
      },
      chain,
    });
  });
  afterAll(async () => {
    await gateway.close();
    await east.close();
    await west.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const createKey = async (scope: Record<string, unknown>) => {
    const response = await fetch(`${gateway.origin}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'metrics-test', scope }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { secret: string }).secret;
  };
  const chat = async (key: string, model: string, content: string) => {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
    });
    const body = (await response.json()) as { usage?: { prompt_tokens: number; completion_tokens: number }; error?: { code: string } };
    return { status: response.status, headers: response.headers, body };
  };

  it('counts each request, retry, fallback, cache hit, refusal, token and cent exactly', async () => {
    const answers = [];
    // A success, and the same question again: a cache hit.
    answers.push(await chat(masterKey, 'west/gpt-4o-mini', 'first question'));
    answers.push(await chat(masterKey, 'west/gpt-4o-mini', 'first question'));
    expect(answers[1]!.headers.get('x-switchyard-cache')).toBe('HIT');
    // An upstream 429, retried on the same deployment.
    east.enqueue({ error: 'rate_limit' });
    answers.push(await chat(masterKey, 'solo', 'second question'));
    expect(answers[2]!.headers.get('x-switchyard-attempts')).toBe('2');
    // A 5xx from the first deployment of a group: served by the next one.
    east.enqueue({ error: 'server_error' });
    answers.push(await chat(masterKey, 'pair', 'third question'));
    expect(answers[3]!.headers.get('x-switchyard-provider')).toBe('west');
    // A key with one request per minute: served once, then refused.
    const limited = await createKey({ rpm: 1 });
    answers.push(await chat(limited, 'west/gpt-4o-mini', 'fourth question'));
    const rateLimited = await chat(limited, 'west/gpt-4o-mini', 'fifth question');
    expect(rateLimited.body.error?.code).toBe('rate_limit_exceeded');
    // A key whose budget cannot cover one request.
    // One micro-dollar, the finest limit a budget takes: less than any request here holds.
    const broke = await createKey({ budget: { limit_usd: 0.000001, period: 'total' } });
    const refused = await chat(broke, 'west/gpt-4o-mini', 'sixth question');
    expect(refused.status).toBe(429);
    expect(refused.body.error?.code).toBe('insufficient_quota');
    // No key at all: refused, and kept out of the ledger.
    expect((await chat('sy-not-a-real-key-0000000000000000', 'west/gpt-4o-mini', 'hi')).status).toBe(401);

    for (const answer of answers) expect(answer.status).toBe(200);
    const served = answers.filter((answer) => answer.headers.get('x-switchyard-cache') !== 'HIT');
    const expectedCost = answers.reduce((sum, answer) => sum + Number(answer.headers.get('x-switchyard-cost')), 0);
    expect(expectedCost).toBeGreaterThan(0);
    expect(answers[1]!.headers.get('x-switchyard-cost')).toBe('0'); // cache hits are free unless bill_hits
    const input = answers.reduce((sum, answer) => sum + answer.body.usage!.prompt_tokens, 0);
    const output = answers.reduce((sum, answer) => sum + answer.body.usage!.completion_tokens, 0);
    expect(served).toHaveLength(4);

    const scrape = await fetch(`${gateway.origin}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const metrics = samples(await scrape.text());
    const requests = (labels: string) => metrics.get(`switchyard_requests_total{endpoint="chat",${labels}}`);
    expect(requests('provider="west",model="west/gpt-4o-mini",status_class="2xx",error_code=""')).toBe(4);
    expect(requests('provider="east",model="east/gpt-4o-mini",status_class="2xx",error_code=""')).toBe(1);
    expect(requests('provider="(none)",model="(none)",status_class="4xx",error_code="rate_limit_exceeded"')).toBe(1);
    // The budget hold is taken per attempt, so the refusal names the deployment it would have paid for.
    expect(requests('provider="west",model="west/gpt-4o-mini",status_class="4xx",error_code="insufficient_quota"')).toBe(1);
    expect(requests('provider="(none)",model="(none)",status_class="4xx",error_code="invalid_api_key"')).toBe(1);
    const requestSeries = [...metrics].filter(([name]) => name.startsWith('switchyard_requests_total{'));
    expect(requestSeries.reduce((sum, [, count]) => sum + count, 0)).toBe(8);

    expect(metrics.get('switchyard_retries_total{provider="east",model="east/gpt-4o-mini",reason="rate_limit_exceeded"}')).toBe(1);
    expect(metrics.get('switchyard_fallbacks_total{provider="east",model="east/gpt-4o-mini",reason="upstream_server_error"}')).toBe(1);
    expect([...metrics.keys()].filter((name) => name.startsWith('switchyard_retries_total{') || name.startsWith('switchyard_fallbacks_total{'))).toHaveLength(2);
    expect(metrics.get('switchyard_cache_lookups_total{result="hit"}')).toBe(1);
    // Misses: the four served calls, and the budget refusal (refused behind the cache, at its deployment).
    expect(metrics.get('switchyard_cache_lookups_total{result="miss"}')).toBe(5);
    expect(metrics.get('switchyard_budget_refusals_total')).toBe(1);
    expect(metrics.get('switchyard_rate_limit_refusals_total{source="key",dimension="requests"}')).toBe(1);
    expect(metrics.get('switchyard_unattributed_requests_total')).toBe(1);
    expect(metrics.get('switchyard_requests_in_flight')).toBe(0);

    const tokens = (kind: string) =>
      [...metrics].filter(([name]) => name.startsWith('switchyard_tokens_total{') && name.includes(`kind="${kind}"`)).reduce((sum, [, count]) => sum + count, 0);
    expect(tokens('input')).toBe(input);
    expect(tokens('output')).toBe(output);
    const cost = [...metrics].filter(([name]) => name.startsWith('switchyard_cost_usd_total{')).reduce((sum, [, usd]) => sum + usd, 0);
    expect(cost).toBeCloseTo(expectedCost, 9);

    const latency = (labels: string) => metrics.get(`switchyard_request_duration_seconds_count{endpoint="chat",${labels}}`);
    expect(latency('provider="west",model="west/gpt-4o-mini"')).toBe(5); // the four answers and the budget refusal
    expect(metrics.get('switchyard_time_to_first_byte_seconds_count{endpoint="chat",provider="west",model="west/gpt-4o-mini"}')).toBe(4);
    expect(metrics.get('switchyard_circuit_breaker_state{deployment="east/gpt-4o-mini",state="closed"}')).toBe(1);
    expect(metrics.get('switchyard_circuit_breaker_state{deployment="east/gpt-4o-mini",state="open"}')).toBe(0);
    expect(metrics.get('switchyard_health_check_up{check="storage"}')).toBe(1);
    expect(metrics.get('switchyard_health_check_up{check="rate_limit_store"}')).toBe(1);
    expect(metrics.get('switchyard_cache_entries')).toBe(4);
    expect(metrics.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    // Ledger metrics: every request with a key or a call is written, in batches.
    await expect
      .poll(async () => samples(await (await fetch(`${gateway.origin}/metrics`)).text()).get('switchyard_usage_written_records_total'))
      .toBe(7);
    const after = samples(await (await fetch(`${gateway.origin}/metrics`)).text());
    expect(after.get('switchyard_usage_pending_records')).toBe(0);
    expect(after.get('switchyard_usage_failed_writes_total')).toBe(0);
    expect(after.get('switchyard_usage_refused_records_total')).toBe(0);
    expect(after.get('switchyard_usage_flush_duration_seconds_count{outcome="ok"}')).toBeGreaterThanOrEqual(1);
  });

  it('never makes a label of a model name a client made up', async () => {
    const names = Array.from({ length: 30 }, (_, index) => `east/invented-${index}`);
    for (const model of names) expect((await chat(masterKey, model, 'hi')).status).toBe(200);
    const text = await (await fetch(`${gateway.origin}/metrics`)).text();
    // switchyard_unpriced_calls_total names them, bounded to 500 series (see unpriced-models.test.ts); nothing else does.
    const labelled = text.split('\n').filter((line) => line.includes('invented-'));
    expect(labelled.length).toBe(30);
    for (const line of labelled) expect(line).toMatch(/^switchyard_unpriced_calls_total\{/);
    expect(samples(text).get('switchyard_requests_total{endpoint="chat",provider="east",model="(other)",status_class="2xx",error_code=""}')).toBe(30);
  });
});
