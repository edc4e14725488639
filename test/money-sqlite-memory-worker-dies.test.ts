import type { Worker as WorkerThread } from 'node:worker_threads';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// Every SQLite worker thread the gateway starts is kept here, so the test can kill the live one.
const sqliteThreads = vi.hoisted(() => [] as WorkerThread[]);
vi.mock('node:worker_threads', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:worker_threads')>();
  class KeptWorker extends actual.Worker {
    constructor(script: string | URL, options?: import('node:worker_threads').WorkerOptions) {
      super(script, options);
      if (String(script).endsWith('/sqlite-worker-main.js')) sqliteThreads.push(this);
    }
  }
  return { ...actual, Worker: KeptWorker };
});

const maxTokens = 100;
const outputPrice = 10; // $ per million tokens, input free: $0.001 a request, all of its max_tokens used
const requestCost = (maxTokens * outputPrice) / 1e6;

describe('SQLite in memory (`path: :memory:`) whose worker thread dies', () => {
  let upstream: MockOpenAI;
  let gateway: TestGateway;
  afterAll(async () => {
    await upstream?.close();
  });

  it('the store stays down (503, /health unhealthy) rather than start an empty database: a spent budget is not forgotten with the thread', async () => {
    upstream = await startMockOpenAI();
    gateway = await startTestGateway({
      providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } },
      prices: { 'openai/gpt-4o-mini': { input: 0, output: outputPrice } },
      storage: { use: 'sqlite', path: ':memory:' },
      chain: ['auth', { 'key-scope': { budget_grants: { requests: 0 } } }, 'route', 'adapter'],
    });
    const key = await createBudgetedKey(gateway, requestCost, 'memory');
    const ask = async () => {
      upstream.enqueue({ reply: { content: 'all of it', usage: { prompt_tokens: 20, completion_tokens: maxTokens } } });
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', max_tokens: maxTokens, messages: [{ role: 'user', content: 'hello' }] }),
      });
      await response.text();
      return response.status;
    };
    expect(await ask()).toBe(200);
    expect(await ask()).toBe(429);
    const [live] = sqliteThreads.splice(0);
    await live!.terminate();
    // A new thread would open an empty database, where the spent budget (and every key) is gone.
    expect([await ask(), await ask(), await ask()]).toEqual([503, 503, 503]);
    expect(upstream.requests).toHaveLength(1);
    const health = await fetch(`${gateway.origin}/health`);
    expect(health.status).toBe(503);
    expect(JSON.stringify(await health.json())).toContain('in-memory database');
    // The records of the requests since cannot be written anywhere, and closing says so.
    await expect(gateway.close()).rejects.toThrow(/usage records were not written/);
  });
});
