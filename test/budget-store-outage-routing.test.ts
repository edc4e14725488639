import { renameSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findPostgres, freshSchemaName, startTcpRelay, type RelayMode, type TcpRelay } from '@switchyard/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordQueue } from './support/request-records.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A budget store outage met by the key-scope step's reservation, in front of every deployment
 * alike: the request fails once with the store's 503, and no deployment of the group or its
 * fallback is tried, recorded as an attempt or counted by its circuit breaker.
 */
const postgres = await findPostgres();

const routing = {
  providers: { mock: {} },
  models: {
    pair: {
      strategy: 'least-latency',
      deployments: [{ target: 'mock/a' }, { target: 'mock/b' }],
      retries: { attempts: 2, backoff_ms: 10 },
      fallbacks: ['spare'],
    },
    spare: { deployments: [{ target: 'mock/c' }] },
  },
  // fail-open: the key is served from its last lookup, so the request reaches its reservation;
  // no grants: every request reserves in the store (a grant with room serves it until /health says degraded).
  chain: [{ auth: { on_store_error: 'fail-open' } }, { 'key-scope': { budget_grants: { requests: 0 } } }, 'circuit-breaker', 'route', 'adapter'],
};

async function createBudgetedKey(origin: string): Promise<string> {
  const response = await fetch(`${origin}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'outage', scope: { budget: { limit_usd: 100, period: 'total' } } }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { secret: string }).secret;
}

function ask(origin: string, key: string): Promise<Response> {
  return fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'pair', max_tokens: 20, messages: [{ role: 'user', content: 'hello' }] }),
  });
}

type Breakers = Record<string, { state: string; failures: number; successes: number; fires: number }>;

async function breakers(origin: string): Promise<Breakers> {
  const health = (await (await fetch(`${origin}/health`)).json()) as { checks: { circuit_breakers: { breakers: Breakers } } };
  return health.checks.circuit_breakers.breakers;
}

/**
 * A gateway on PostgreSQL through a relay the test can make refuse or blackhole, with a budgeted
 * key; the relay, the gateway and the schema are gone after the describe block.
 */
function useGatewayOnRelayedPostgres(url: string, config: { models?: Record<string, unknown>; connectTimeoutMs: number }) {
  const schema = freshSchemaName();
  const state = {} as { relay: TcpRelay; gateway: TestGateway; key: string };
  beforeAll(async () => {
    const target = new URL(url);
    state.relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 5432) });
    state.gateway = await startTestGateway({
      ...routing,
      models: config.models ?? routing.models,
      storage: { use: 'postgres', url: state.relay.urlFor(url), schema, pool_size: 2, connect_timeout_ms: config.connectTimeoutMs, query_timeout_ms: 600, statement_timeout_ms: 500 },
      usage: { flush_interval_ms: 50 },
    });
    state.key = await createBudgetedKey(state.gateway.origin);
  });
  afterAll(async () => {
    await state.relay?.setMode('pass');
    await state.gateway?.close();
    await state.relay?.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });
  return state;
}

/** Served, then the store made to refuse or go silent: one 503 from it, nothing tried; served again once it is back. */
async function failsOnceThenRecovers({ relay, gateway, key }: { relay: TcpRelay; gateway: TestGateway; key: string }, mode: RelayMode): Promise<void> {
  expect((await ask(gateway.origin, key)).status).toBe(200);
  await relay.setMode(mode);
  relay.resetAll(); // the pool's open connections go too: every reservation needs a new one
  try {
    await expectFailsOnceWithTheStore(gateway, key);
  } finally {
    await relay.setMode('pass');
  }
  await expect.poll(async () => (await ask(gateway.origin, key)).status, { timeout: 10_000 }).toBe(200);
}

/** Asks during the outage: one 503 from the store, nothing tried, nothing recorded or counted against a deployment. */
async function expectFailsOnceWithTheStore(gateway: TestGateway, key: string): Promise<void> {
  const before = await breakers(gateway.origin);
  const record = recordQueue(gateway).next();
  const response = await ask(gateway.origin, key);
  const body = (await response.json()) as { error: { code: string; type: string } };
  expect(response.status).toBe(503);
  expect(body.error).toMatchObject({ code: 'store_unavailable', type: 'server_error' });
  expect(response.headers.get('retry-after')).not.toBeNull();
  expect(response.headers.get('x-switchyard-attempts') ?? '0').toBe('0');
  const finished = await record;
  expect(finished).toMatchObject({ status: 503, errorCode: 'store_unavailable' });
  expect(finished.attempts).toEqual([]);
  expect(await breakers(gateway.origin)).toEqual(before);
}

describe('a budget store outage on the routed call', () => {
  describe('SQLite, its file moved away', () => {
    let gateway: TestGateway;
    let dataDir: string;

    beforeAll(async () => {
      dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-budget-outage-'));
      gateway = await startTestGateway({ ...routing, storage: { use: 'sqlite' }, server: { data_dir: dataDir }, usage: { flush_interval_ms: 20 } });
    });

    afterAll(async () => {
      await gateway?.close().catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    });

    it('fails once with 503 store_unavailable; no deployment or fallback tried, recorded or counted by its breaker', async () => {
      const key = await createBudgetedKey(gateway.origin);
      expect((await ask(gateway.origin, key)).status).toBe(200);
      const file = path.join(dataDir, 'switchyard.db');
      renameSync(file, `${file}.aside`);
      try {
        await expectFailsOnceWithTheStore(gateway, key);
      } finally {
        renameSync(`${file}.aside`, file);
      }
      await expect.poll(async () => (await ask(gateway.origin, key)).status).toBe(200);
    });
  });

  describe.skipIf(!postgres.available)('PostgreSQL behind a relay, refusing or blackholed', () => {
    const on = useGatewayOnRelayedPostgres(postgres.available ? postgres.url : '', { connectTimeoutMs: 300 });

    it.each<RelayMode>(['refuse', 'blackhole'])('%s: fails once with 503 store_unavailable; no deployment or fallback tried, recorded or counted', async (mode) => {
      await failsOnceThenRecovers(on, mode);
    });
  });

  describe.skipIf(!postgres.available)('PostgreSQL blackholed, slower to give up than the group\'s attempt_timeout_ms', () => {
    // Every attempt may take 100 ms; the store waits 600 ms for a reply before it answers 503.
    const on = useGatewayOnRelayedPostgres(postgres.available ? postgres.url : '', {
      models: { ...routing.models, pair: { ...routing.models.pair, attempt_timeout_ms: 100 } },
      connectTimeoutMs: 600,
    });

    it("waiting on the reservation is not the deployment's time: one 503 store_unavailable when the store gives up, no attempt timed out", async () => {
      await failsOnceThenRecovers(on, 'blackhole');
    });
  });
});
