import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestRecord } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A normal request through the whole chain leaves no promise rejected without a
 * handler: such a promise costs Node a map entry and a turn of its rejection
 * bookkeeping per request, and hides real failures among expected ones. Node emits
 * 'unhandledRejection' at the end of the tick in which a promise was rejected with
 * no handler (and 'rejectionHandled' if one is attached later), so once the gateway
 * has closed — every request finished, its ledger records flushed, its SQLite worker
 * stopped — every such event of those requests has been emitted.
 */
const apiKey = 'sy-rejection-test-key-0123456789';

describe("a normal request leaves no unhandled rejection behind (the bench's full chain)", () => {
  let upstream: MockOpenAI;
  let gateway: TestGateway;
  let dataDir: string;
  let closed = false;
  const records: RequestRecord[] = [];
  const unhandled: unknown[] = [];
  let handledLater = 0;
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  const onHandledLater = () => void handledLater++;

  beforeAll(async () => {
    upstream = await startMockOpenAI();
    dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-no-unhandled-'));
    const provider = { use: 'openai', api_key: 'sk-openai-test-abcdefgh', base_url: upstream.url };
    gateway = await startTestGateway({
      server: { data_dir: dataDir },
      storage: { use: 'sqlite' },
      providers: { 'up-a': provider, 'up-b': provider, 'up-c': provider },
      models: {
        // The bench's group of three, tried in a fixed order rather than weighted: a cache
        // entry belongs to its deployment, so a repeated question hits only on the same one.
        assistant: {
          strategy: 'priority',
          deployments: [
            { target: 'up-a/gpt-4o-mini', priority: 0 },
            { target: 'up-b/gpt-4o-mini', priority: 1 },
            { target: 'up-c/gpt-4o-mini', priority: 2 },
          ],
        },
      },
      chain: [
        { auth: { keys: [{ name: 'bench', key: apiKey, team: 'bench' }] } },
        { 'key-scope': { budgets: { teams: { bench: { limit_usd: 1_000_000, period: 'total' } } } } },
        { 'rate-limit': { limits: { global: { rpm: 1_000_000, tpm: 245_760_000 } } } },
        'circuit-breaker',
        { cache: { cache_nonzero_temperature: true } },
        'route',
        'adapter',
      ],
    });
    gateway.gateway.runtime.onRequestFinished((record) => void records.push(record));
  });
  beforeEach(() => {
    process.on('unhandledRejection', onUnhandled);
    process.on('rejectionHandled', onHandledLater);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
    process.off('rejectionHandled', onHandledLater);
  });
  afterAll(async () => {
    if (!closed) await gateway.close();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const chat = async (content: string, stream: boolean) => {
    const answer = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'assistant', messages: [{ role: 'user', content }], temperature: 0.2, stream }),
    });
    await answer.text();
    return { status: answer.status, cache: answer.headers.get('x-switchyard-cache') };
  };

  it('whole and streamed, each a cache miss then a hit', async () => {
    expect(await chat('a whole question', false)).toEqual({ status: 200, cache: 'MISS' });
    expect(await chat('a whole question', false)).toEqual({ status: 200, cache: 'HIT' });
    expect(await chat('a streamed question', true)).toEqual({ status: 200, cache: 'MISS' });
    expect(await chat('a streamed question', true)).toEqual({ status: 200, cache: 'HIT' });

    // Everything the requests started is over once the gateway has closed.
    await gateway.close();
    closed = true;
    await new Promise((resolve) => setImmediate(resolve));

    expect(records.map((record) => record.status)).toEqual([200, 200, 200, 200]);
    expect(unhandled.map((reason) => (reason instanceof Error ? reason.stack : String(reason)))).toEqual([]);
    expect(handledLater).toBe(0);
  });
});
