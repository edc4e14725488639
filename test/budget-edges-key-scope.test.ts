import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builtInPlugins } from '@switchyard/cli';
import { createSteps, getContext, type RequestRecord, type SwitchyardSteps } from '@switchyard/core';
import { hashApiKey } from '@switchyard/policy-keys';
import Database from 'better-sqlite3';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { createBudgetedKey } from './support/create-budgeted-key.js';

/**
 * The key-scope step's holds where a request is not one plain chat call: embeddings
 * (whose cost is their input), the dearest prices the config takes, and an app's
 * handler making several calls through the embedded API. Real gateways on loopback
 * with SQLite storage; closing a gateway waits for its settlements, and the totals are
 * then read from its database file to the micro-dollar.
 */

const micros = (usd: number) => Math.round(usd * 1e6);
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-budget-edges-'));
  dirs.push(dir);
  return dir;
}

/** Spent and reserved micro-dollars of `owner` (every window), read from a closed gateway's database. */
function accountIn(dir: string, owner: string): { spent: number; reserved: number; reservations: number } {
  const database = new Database(path.join(dir, 'switchyard.db'), { readonly: true });
  try {
    const row = database.prepare('SELECT COALESCE(SUM(spent_micros), 0) AS spent, COALESCE(SUM(reserved_micros), 0) AS reserved FROM budget_accounts WHERE owner = ?').get(owner) as {
      spent: number;
      reserved: number;
    };
    const { n } = database.prepare('SELECT count(*) AS n FROM budget_reservations').get() as { n: number };
    return { ...row, reservations: n };
  } finally {
    database.close();
  }
}

/** Micro-dollars of every usage record of `keyId`, read from a closed gateway's database. */
function ledgerCostsIn(dir: string, keyId: string): number[] {
  const database = new Database(path.join(dir, 'switchyard.db'), { readonly: true });
  try {
    const rows = database.prepare('SELECT cost_usd AS cost FROM usage WHERE key_id = ? ORDER BY at_ms').all(keyId) as { cost: number }[];
    return rows.map((row) => micros(row.cost));
  } finally {
    database.close();
  }
}

const createKey = (gateway: TestGateway, limitUsd: number) => createBudgetedKey(gateway, limitUsd, 'edges');

function post(gateway: TestGateway, secret: string, endpoint: 'chat/completions' | 'embeddings', body: unknown): Promise<Response> {
  return fetch(`${gateway.baseURL}/${endpoint}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('key-scope holds for embeddings', () => {
  it('hold their input: of 20 concurrent embeddings on a $0.10 budget, the two that fit are served and paid exactly', async () => {
    // 160 characters, 40 tokens at $1,000 per million: $0.04 a request; two fit $0.10, three do not.
    const dir = await dataDir();
    const gateway = await startTestGateway({
      server: { data_dir: dir },
      storage: { use: 'sqlite' },
      providers: { emb: { use: 'mock', latency_ms: 20 } },
      prices: { 'emb/echo': { input: 1000, output: 0 } },
    });
    const records: RequestRecord[] = [];
    gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
    const key = await createKey(gateway, 0.1);
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(gateway, key.secret, 'embeddings', { model: 'emb/echo', input: `${'x'.repeat(157)}${String(i).padStart(3, '0')}` }).then(
          async (response) => (await response.arrayBuffer(), response.status),
        ),
      ),
    );
    await gateway.close();
    expect(statuses.filter((status) => status === 200)).toHaveLength(2);
    expect(statuses.filter((status) => status === 429)).toHaveLength(18);
    const billed = records.filter((record) => record.keyId === key.id).reduce((sum, record) => sum + micros(record.costUsd), 0);
    expect(billed).toBe(80_000);
    expect(accountIn(dir, `key:${key.id}`)).toEqual({ spent: 80_000, reserved: 0, reservations: 0 });
  });
});

describe('key-scope holds of less than a micro-dollar', () => {
  it('a spent or $0 budget refuses a call whose maximum is a fraction of a micro-dollar (it rounded to a hold of 0, which always fit)', async () => {
    const dir = await dataDir();
    const gateway = await startTestGateway({
      server: { data_dir: dir },
      storage: { use: 'sqlite' },
      // text-embedding-3-small's price: a short input costs a few hundredths of a micro-dollar.
      providers: { emb: { use: 'mock' } },
      prices: { 'emb/echo': { input: 0.02, output: 0 } },
    });
    const zero = await createKey(gateway, 0);
    const spent = await createKey(gateway, 0.000002);
    // 400 characters, 100 tokens: 2 micro-dollars, the whole of the second budget.
    const refusedByZero = await post(gateway, zero.secret, 'embeddings', { model: 'emb/echo', input: 'hi' });
    // The maximum is shown as what was held: a micro-dollar, not "$0 exceeds the key's budget ($0)".
    expect(((await refusedByZero.json()) as { error: { message: string } }).error.message).toBe(
      "This request's maximum cost ($0.000001) exceeds the key's budget ($0); send less input.",
    );
    const statuses = [
      refusedByZero.status,
      (await post(gateway, spent.secret, 'embeddings', { model: 'emb/echo', input: 'x'.repeat(400) })).status,
      (await post(gateway, spent.secret, 'embeddings', { model: 'emb/echo', input: 'hi' })).status,
    ];
    await gateway.close();
    expect(statuses).toEqual([429, 200, 429]);
    expect(accountIn(dir, `key:${zero.id}`)).toEqual({ spent: 0, reserved: 0, reservations: 0 });
    expect(accountIn(dir, `key:${spent.id}`)).toEqual({ spent: 2, reserved: 0, reservations: 0 });
  });
});

describe('key-scope holds and the dearest prices the config takes', () => {
  it('a maximum far past the budget is a 429 naming what to lower, not a 500; nothing is held or spent', async () => {
    const dir = await dataDir();
    const gateway = await startTestGateway({
      server: { data_dir: dir },
      storage: { use: 'sqlite' },
      providers: { dear: { use: 'mock' } },
      // Every rate and the output limit at the schema's maximum (a price of Infinity or 1e13 is refused: see pricing-catalog.test.ts).
      prices: { 'dear/echo': { input: 1_000_000, output: 1_000_000, max_output: 100_000_000 } },
    });
    const key = await createKey(gateway, 10);
    const answers = [
      await post(gateway, key.secret, 'chat/completions', { model: 'dear/echo', messages: [{ role: 'user', content: 'hi' }] }),
      await post(gateway, key.secret, 'chat/completions', { model: 'dear/echo', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] }),
      await post(gateway, key.secret, 'embeddings', { model: 'dear/echo', input: 'x'.repeat(100) }),
    ];
    const bodies = await Promise.all(answers.map(async (answer) => ({ status: answer.status, ...((await answer.json()) as { error: { code: string; param: string | null; message: string } }) })));
    await gateway.close();
    expect(bodies.map(({ status, error }) => [status, error.code, error.param])).toEqual([
      [429, 'insufficient_quota', 'max_tokens'],
      [429, 'insufficient_quota', 'max_tokens'],
      [429, 'insufficient_quota', 'input'],
    ]);
    expect(bodies[0]!.error.message).toMatch(/^This request's maximum cost \(\$100000\d{3}\) exceeds the key's budget \(\$10\); lower max_tokens\.$/);
    expect(accountIn(dir, `key:${key.id}`)).toEqual({ spent: 0, reserved: 0, reservations: 0 });
  });
});

describe('key-scope holds for an app making several calls in one request (createSteps)', () => {
  const secret = 'sy-embedded-budget-key-0123456789abcdef';

  /** An app whose handler calls a cheap model, then a dear one, in the same request. */
  async function appWithTwoCalls(mountKeyScope: boolean, limitUsd: number) {
    const dir = await dataDir();
    const switchyard: SwitchyardSteps = await createSteps(
      {
        providers: { cheap: { use: 'mock' }, dear: { use: 'mock' } },
        prices: { 'cheap/echo': { input: 1, output: 1 }, 'dear/echo': { input: 100, output: 100 } },
        storage: { use: 'sqlite' },
        server: { data_dir: dir },
        chain: ['auth', 'key-scope', 'route'],
        log: { level: 'silent' },
      },
      { plugins: builtInPlugins },
    );
    const created = await switchyard.runtime.storage!.keys.create(
      { name: 'two calls', scope: { budget: { limitUsd, period: 'total' } } },
      { hash: hashApiKey(secret), prefix: secret.slice(0, 7) },
    );
    const costs: number[] = [];
    const app = express();
    const steps = mountKeyScope ? [switchyard.step('auth'), switchyard.step('key-scope')] : [switchyard.step('auth')];
    app.post('/api/two', express.json(), ...steps, async (_req, res, next) => {
      try {
        const first = await switchyard.call(res, { model: 'cheap/echo', max_tokens: 50, messages: [{ role: 'user', content: 'first call' }] });
        costs.push(switchyard.runtime.pricing.cost('cheap', 'echo', first.usage));
        const second = await switchyard.call(res, { model: 'dear/echo', max_tokens: 50, messages: [{ role: 'user', content: 'second call, a longer one' }] });
        costs.push(switchyard.runtime.pricing.cost('dear', 'echo', second.usage));
        res.json({ ok: true });
      } catch (error) {
        next(error);
      }
    });
    app.use(switchyard.errorHandler());
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/two`;
    const call = () => fetch(url, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: '{}' });
    const close = async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await switchyard.close();
    };
    return { call, close, costs, owner: `key:${created.id}`, keyId: created.id, dir };
  }

  for (const mountKeyScope of [false, true]) {
    it(`each call is held and pays what it used at its own price, once (key-scope ${mountKeyScope ? 'mounted on the route' : 'run by each call'})`, async () => {
      const app = await appWithTwoCalls(mountKeyScope, 10);
      const answers = [await app.call(), await app.call()];
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      await app.close();
      const paid = app.costs.reduce((sum, cost) => sum + micros(cost), 0);
      // 13 tokens at $1 and 21 at $100 per million, twice: $0.004226.
      expect(paid).toBe(4_226);
      expect(accountIn(app.dir, app.owner)).toEqual({ spent: paid, reserved: 0, reservations: 0 });
      // One record per request, each billing both of its calls at their own prices, as the budget paid them.
      expect(ledgerCostsIn(app.dir, app.keyId)).toEqual([2_113, 2_113]);
    });
  }

  it('the second call is held too: a budget with room for one call at the dear price refuses it rather than serving it unheld', async () => {
    // The dear call's maximum is about $0.0074 (24 prompt tokens and 50 out at $100 per million); the cheap one's $0.00007.
    const app = await appWithTwoCalls(true, 0.0075);
    const answer = await app.call();
    expect(answer.status).toBe(200);
    const refused = await app.call();
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('insufficient_quota');
    await app.close();
    const spent = accountIn(app.dir, app.owner);
    expect(spent.spent).toBeLessThanOrEqual(7_500);
    expect(spent).toEqual({ spent: app.costs.reduce((sum, cost) => sum + micros(cost), 0), reserved: 0, reservations: 0 });
  });
});

describe('key-scope and cache hits billed with bill_hits', () => {
  const startCachingGateway = async (billHits: boolean) => {
    const dir = await dataDir();
    const gateway = await startTestGateway({
      server: { data_dir: dir },
      storage: { use: 'sqlite' },
      providers: { priced: { use: 'mock' } },
      prices: { 'priced/echo': { input: 1000, output: 1000 } },
      chain: ['auth', 'key-scope', { cache: { bill_hits: billHits } }, 'route', 'adapter'],
    });
    return { dir, gateway };
  };
  const sameQuestion = { model: 'priced/echo', max_tokens: 50, messages: [{ role: 'user', content: 'the same question, three times' }] };

  it('a billed hit is paid into the budget as the ledger records it; an unbilled hit costs nothing', async () => {
    for (const billHits of [true, false]) {
      const { dir, gateway } = await startCachingGateway(billHits);
      const records: RequestRecord[] = [];
      gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
      const key = await createKey(gateway, 10);
      const body = sameQuestion;
      const caches: Array<string | null> = [];
      for (let i = 0; i < 3; i++) {
        const response = await post(gateway, key.secret, 'chat/completions', body);
        await response.arrayBuffer();
        expect(response.status).toBe(200);
        caches.push(response.headers.get('x-switchyard-cache'));
      }
      await gateway.close();
      expect(caches).toEqual(['MISS', 'HIT', 'HIT']);
      const costs = records.filter((record) => record.keyId === key.id).map((record) => micros(record.costUsd));
      expect(costs[0]).toBeGreaterThan(0);
      expect(costs.slice(1)).toEqual(billHits ? [costs[0], costs[0]] : [0, 0]);
      expect(accountIn(dir, `key:${key.id}`)).toEqual({ spent: costs.reduce((sum, cost) => sum + cost, 0), reserved: 0, reservations: 0 });
    }
  });
  it('a billed hit the budget cannot cover is refused as a call would be; an unbilled one is served', async () => {
    for (const billHits of [true, false]) {
      const { dir, gateway } = await startCachingGateway(billHits);
      // The call holds at most $0.066 and costs $0.023, as does each billed hit: $0.07 pays for the call and two hits.
      const key = await createKey(gateway, 0.07);
      const body = sameQuestion;
      const answers: Array<[number, string | null]> = [];
      for (let i = 0; i < 4; i++) {
        const response = await post(gateway, key.secret, 'chat/completions', body);
        const text = await response.text();
        answers.push([response.status, response.status === 200 ? response.headers.get('x-switchyard-cache') : (JSON.parse(text) as { error: { code: string } }).error.code]);
      }
      await gateway.close();
      expect(answers).toEqual(billHits ? [[200, 'MISS'], [200, 'HIT'], [200, 'HIT'], [429, 'insufficient_quota']] : [[200, 'MISS'], [200, 'HIT'], [200, 'HIT'], [200, 'HIT']]);
      expect(accountIn(dir, `key:${key.id}`)).toEqual({ spent: billHits ? 69_000 : 23_000, reserved: 0, reservations: 0 });
    }
  });
});

describe('an app making several calls in one request through the response cache (createSteps)', () => {
  const secret = 'sy-embedded-cache-key-0123456789abcdef';
  const sameQuestion = 'the same question, every request';

  for (const billHits of [false, true]) {
    it(`a hit and a miss in one request: the ledger records what the budget pays, each call once (bill_hits ${billHits})`, async () => {
      const dir = await dataDir();
      const switchyard: SwitchyardSteps = await createSteps(
        {
          providers: { priced: { use: 'mock' } },
          prices: { 'priced/echo': { input: 1000, output: 1000 } },
          storage: { use: 'sqlite' },
          server: { data_dir: dir },
          chain: ['auth', 'key-scope', { cache: { bill_hits: billHits } }, 'route'],
          log: { level: 'silent' },
        },
        { plugins: builtInPlugins },
      );
      const created = await switchyard.runtime.storage!.keys.create(
        { name: 'cached calls', scope: { budget: { limitUsd: 10, period: 'total' } } },
        { hash: hashApiKey(secret), prefix: secret.slice(0, 7) },
      );
      const records: RequestRecord[] = [];
      switchyard.runtime.onRequestFinished((record) => records.push(record));
      /** What each request's calls cost at the catalog's price, a free hit nothing. */
      const callCosts: number[][] = [];
      /** The tokens of each request's calls, a free hit's too. */
      const callTokens: number[] = [];
      const app = express();
      app.post('/api/two', express.json(), switchyard.context({ endpoint: 'chat' }), switchyard.step('auth'), switchyard.step('key-scope'), async (req, res, next) => {
        try {
          const costs: number[] = [];
          let tokens = 0;
          // The shared question first or last, the other call a question of this request's own.
          const questions = (req.body as { order: string[] }).order;
          for (const content of questions) {
            const answer = await switchyard.call(res, { model: 'priced/echo', max_tokens: 50, messages: [{ role: 'user', content }] });
            const hit = getContext(res).cacheHit && content === sameQuestion;
            costs.push(hit && !billHits ? 0 : micros(switchyard.runtime.pricing.cost('priced', 'echo', answer.usage)));
            tokens += answer.usage.inputTokens + answer.usage.outputTokens;
          }
          callCosts.push(costs);
          callTokens.push(tokens);
          res.json({ ok: true });
        } catch (error) {
          next(error);
        }
      });
      app.use(switchyard.errorHandler());
      const server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/two`;
      const call = (order: string[]) =>
        fetch(url, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'priced/echo', messages: [{ role: 'user', content: 'x' }], order }) });
      // A miss and a miss; a hit then a miss; a miss then a hit.
      const statuses = [];
      for (const order of [[sameQuestion, 'first own question'], [sameQuestion, 'second own question, longer'], ['third own question', sameQuestion]]) {
        const response = await call(order);
        await response.arrayBuffer();
        statuses.push(response.status);
      }
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await switchyard.close();
      expect(statuses).toEqual([200, 200, 200]);
      const perRequest = callCosts.map((costs) => costs.reduce((sum, cost) => sum + cost, 0));
      const recorded = records.filter((record) => record.keyId === created.id);
      expect(recorded.map((record) => micros(record.costUsd))).toEqual(perRequest);
      // Each call's tokens once: a hit's were counted twice (the cache's and the call's).
      expect(recorded.map((record) => record.usage!.inputTokens + record.usage!.outputTokens)).toEqual(callTokens);
      expect(accountIn(dir, `key:${created.id}`)).toEqual({ spent: perRequest.reduce((sum, cost) => sum + cost, 0), reserved: 0, reservations: 0 });
    });
  }
});
