import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A provider may list more models than the per-name state keeps (OpenRouter, Together
 * and the like list hundreds each). A client can call every listed name it likes; the
 * deployments the operator configured must keep their state and their own metric
 * labels whatever it calls first.
 */

const listed = (count: number) => Array.from({ length: count }, (_, index) => `listed-${index}`);

let upstream: MockOpenAI;
beforeAll(async () => {
  upstream = await startMockOpenAI();
});
afterAll(async () => {
  await upstream.close();
});

let gateway: TestGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  upstream.reset();
});

/** A gateway whose provider `east` lists `ids` (read once through GET /v1/models). */
async function gatewayListing(ids: string[], chain: unknown[]): Promise<TestGateway> {
  const started = await startTestGateway({
    providers: { east: { use: 'openai', api_key: 'sk-east-test-abcdefgh', base_url: upstream.url } },
    models: { solo: { deployments: [{ target: 'east/gpt-4o-mini' }], retries: { attempts: 0 } } },
    chain,
  });
  upstream.enqueue({ match: { method: 'GET', path: '/v1/models' }, body: { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1, owned_by: 'east' })) } });
  const models = await fetch(`${started.origin}/v1/models`, { headers: { authorization: `Bearer ${masterKey}` } });
  expect(models.status).toBe(200);
  await models.arrayBuffer();
  return started;
}

async function chat(model: string): Promise<number> {
  const response = await fetch(`${gateway!.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function breakerState(deployment: string): Promise<string | undefined> {
  const health = (await (await fetch(`${gateway!.origin}/health`)).json()) as { checks: { circuit_breakers: { breakers: Record<string, { state: string }> } } };
  return health.checks.circuit_breakers.breakers[deployment]?.state;
}

/** Calls every name, a few at a time; each must be served. */
async function callAll(models: string[]): Promise<void> {
  for (let from = 0; from < models.length; from += 25) {
    const statuses = await Promise.all(models.slice(from, from + 25).map(chat));
    expect(statuses.every((status) => status === 200)).toBe(true);
  }
}

describe('circuit breakers under listed names', () => {
  it("a configured deployment's open circuit stays open after a client calls more listed models than max_breakers", async () => {
    const breaker = { 'circuit-breaker': { max_breakers: 3, volume_threshold: 2, error_threshold_percentage: 50, reset_timeout_ms: 60_000 } };
    gateway = await gatewayListing(listed(10), ['auth', breaker, 'route', 'adapter']);
    upstream.enqueue({ match: { path: '/v1/chat/completions' }, error: 'server_error' }, { match: { path: '/v1/chat/completions' }, error: 'server_error' });
    expect(await chat('solo')).toBe(502);
    expect(await chat('solo')).toBe(502);
    expect(await breakerState('east/gpt-4o-mini')).toBe('open');

    await callAll(listed(10).map((id) => `east/${id}`));

    const calls = upstream.requests.length;
    // Refused by the open circuit (no deployment left to try), not sent to the failing upstream again.
    expect(await chat('solo')).toBe(503);
    expect(upstream.requests.length).toBe(calls);
    expect(await breakerState('east/gpt-4o-mini')).toBe('open');
  });
});

describe('circuit breakers under made-up names', () => {
  it("a configured fallback the provider does not list keeps its open circuit after a client sends more made-up names than max_unlisted_breakers", async () => {
    const breaker = { 'circuit-breaker': { max_unlisted_breakers: 2, volume_threshold: 2, error_threshold_percentage: 50, reset_timeout_ms: 60_000 } };
    gateway = await startTestGateway({
      providers: { east: { use: 'openai', api_key: 'sk-east-test-abcdefgh', base_url: upstream.url } },
      models: { solo: { deployments: [{ target: 'east/gpt-4o-mini' }], fallbacks: ['east/backup-unlisted'], retries: { attempts: 0 } } },
      chain: ['auth', breaker, 'route', 'adapter'],
    });
    upstream.enqueue({ match: { path: '/v1/chat/completions' }, error: 'server_error' }, { match: { path: '/v1/chat/completions' }, error: 'server_error' });
    // A bare name is retried: two failed attempts open the circuit, the third is refused by it.
    expect(await chat('east/backup-unlisted')).toBe(503);
    expect(upstream.requests.length).toBe(2);
    expect(await breakerState('east/backup-unlisted')).toBe('open');

    await callAll(['east/made-up-1', 'east/made-up-2', 'east/made-up-3']);

    const calls = upstream.requests.length;
    expect(await chat('east/backup-unlisted')).toBe(503);
    expect(upstream.requests.length).toBe(calls);
    expect(await breakerState('east/backup-unlisted')).toBe('open');
  });
});

describe('circuit breakers of smart-route targets under made-up names', () => {
  it("a smart rule's provider/model target the provider does not list keeps its open circuit after a client sends more made-up names than max_unlisted_breakers", async () => {
    const breaker = { 'circuit-breaker': { max_unlisted_breakers: 2, volume_threshold: 2, error_threshold_percentage: 50, reset_timeout_ms: 60_000 } };
    const route = { route: { smart: { rules: [{ use: 'east/cheap-unlisted' }] } } };
    gateway = await startTestGateway({
      providers: { east: { use: 'openai', api_key: 'sk-east-test-abcdefgh', base_url: upstream.url } },
      models: {},
      chain: ['auth', breaker, route, 'adapter'],
    });
    upstream.enqueue({ match: { path: '/v1/chat/completions' }, error: 'server_error' }, { match: { path: '/v1/chat/completions' }, error: 'server_error' });
    // A bare name is retried: two failed attempts open the circuit, the third is refused by it.
    expect(await chat('auto')).toBe(503);
    expect(upstream.requests.length).toBe(2);
    expect(await breakerState('east/cheap-unlisted')).toBe('open');

    await callAll(['east/made-up-1', 'east/made-up-2', 'east/made-up-3']);

    const calls = upstream.requests.length;
    expect(await chat('auto')).toBe(503);
    expect(upstream.requests.length).toBe(calls);
    expect(await breakerState('east/cheap-unlisted')).toBe('open');
  });
});

describe('/metrics model labels under listed names', () => {
  it('a configured deployment keeps its own label after a client called a thousand listed models first', async () => {
    gateway = await gatewayListing(listed(1000), ['auth', 'route', 'adapter']);
    await callAll(listed(1000).map((id) => `east/${id}`));
    expect(await chat('solo')).toBe(200);

    const text = await (await fetch(`${gateway.origin}/metrics`)).text();
    const served = text.split('\n').filter((line) => line.startsWith('switchyard_requests_total{') && line.includes('model="east/gpt-4o-mini"'));
    expect(served).toHaveLength(1);
    // The listed names are still bounded: no more than the label bound, the rest (other).
    const models = new Set(text.split('\n').flatMap((line) => (line.startsWith('switchyard_requests_total{') ? [/model="([^"]*)"/.exec(line)?.[1]] : [])));
    expect(models.size).toBeLessThanOrEqual(1002);
  });
  it('a configured context or content-filter fallback its provider does not list keeps its own label', async () => {
    gateway = await startTestGateway({
      providers: { east: { use: 'openai', api_key: 'sk-east-test-abcdefgh', base_url: upstream.url } },
      models: { solo: { deployments: [{ target: 'east/gpt-4o-mini' }], context_fallback: 'east/long-unlisted', content_filter_fallback: 'east/lenient-unlisted' } },
      chain: ['auth', 'route', 'adapter'],
    });
    expect(await chat('east/long-unlisted')).toBe(200);
    expect(await chat('east/lenient-unlisted')).toBe(200);
    expect(await chat('east/made-up')).toBe(200);

    const text = await (await fetch(`${gateway.origin}/metrics`)).text();
    const models = text.split('\n').flatMap((line) => (line.startsWith('switchyard_requests_total{') ? [/model="([^"]*)"/.exec(line)?.[1]] : []));
    expect(models.sort()).toEqual(['(other)', 'east/lenient-unlisted', 'east/long-unlisted']);
  });
  it("a smart rule's provider/model target its provider does not list keeps its own label", async () => {
    gateway = await startTestGateway({
      providers: { east: { use: 'openai', api_key: 'sk-east-test-abcdefgh', base_url: upstream.url } },
      models: {},
      chain: ['auth', { route: { smart: { rules: [{ when: { max_prompt_tokens: 1000 }, use: 'east/cheap-unlisted' }, { use: 'east/big-unlisted' }] } } }, 'adapter'],
    });
    expect(await chat('auto')).toBe(200);
    expect(await chat('east/made-up')).toBe(200);

    const text = await (await fetch(`${gateway.origin}/metrics`)).text();
    const models = text.split('\n').flatMap((line) => (line.startsWith('switchyard_requests_total{') ? [/model="([^"]*)"/.exec(line)?.[1]] : []));
    expect(models.sort()).toEqual(['(other)', 'east/cheap-unlisted']);
  });
});
