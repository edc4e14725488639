import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { keyCacheTtlMs } from '@switchyard/policy-keys';
import { findPostgres, freshSchemaName, startTcpRelay, type TcpRelay } from '@switchyard/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const postgres = await findPostgres();

/** Small timeouts, so the bound a client waits for during an outage is short. */
const connectTimeoutMs = 500;
const queryTimeoutMs = 1000;
const retryAfterSeconds = 3;
/** What a client may wait at most when the database is down: a free connection, then a new one or a query. */
const boundMs = connectTimeoutMs + queryTimeoutMs;

interface Answer {
  status: number;
  code: string | undefined;
  retryAfter: string | null;
  requestId: string | null;
  ms: number;
}

describe.skipIf(!postgres.available)('PostgreSQL outage behind a TCP relay (reset, refused, blackholed)', () => {
  const url = postgres.available ? postgres.url : '';
  const schema = freshSchemaName();
  let relay: TcpRelay;
  /** auth `on_store_error: fail-open`. */
  let open: TestGateway;
  /** auth `on_store_error: fail-closed` (the default). */
  let closed: TestGateway;
  const secrets: Record<'alice' | 'bob' | 'carol' | 'dave', string> = { alice: '', bob: '', carol: '', dave: '' };
  /** Every request id a gateway answered, to find its usage record afterwards. */
  const requestIds = new Set<string>();
  /**
   * Requests the gateways kept out of the ledger because no key could be resolved
   * for them (a lookup refused by the outage): counted, not recorded.
   */
  const unattributed = () => open.gateway.runtime.unattributedRequests + closed.gateway.runtime.unattributedRequests;

  const config = (onStoreError: 'fail-open' | 'fail-closed') => ({
    providers: { mock: {} },
    storage: {
      use: 'postgres',
      url: relay.urlFor(url),
      schema,
      pool_size: 4,
      connect_timeout_ms: connectTimeoutMs,
      query_timeout_ms: queryTimeoutMs,
      statement_timeout_ms: 800,
      retry_after_seconds: retryAfterSeconds,
    },
    usage: { flush_interval_ms: 50, max_batch: 50 },
    chain: [{ auth: { on_store_error: onStoreError } }, 'key-scope', 'route', 'adapter'],
  });

  beforeAll(async () => {
    const target = new URL(url);
    relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 5432) });
    open = await startTestGateway(config('fail-open'));
    closed = await startTestGateway(config('fail-closed'));
    const create = async (name: string, scope: Record<string, unknown>) => {
      const response = await fetch(`${open.origin}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name, scope }),
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { secret: string }).secret;
    };
    secrets.alice = await create('alice', {}); // no budget: fail-open can serve her from her last lookup
    secrets.bob = await create('bob', { budget: { limit_usd: 1000, period: 'total' } }); // every request reserves in the database
    secrets.carol = await create('carol', {}); // never used before the outage
    secrets.dave = await create('dave', {});
  });

  afterAll(async () => {
    await relay?.setMode('pass'); // a failed test may leave the database cut off: the gateways' last records still go in
    await open?.close();
    await closed?.close();
    await relay?.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  async function ask(gateway: TestGateway, secret: string): Promise<Answer> {
    const started = performance.now();
    const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', max_tokens: 20, messages: [{ role: 'user', content: 'hello' }] }),
    });
    const body = (await response.json()) as { error?: { code: string; type: string } };
    const ms = performance.now() - started;
    const requestId = response.headers.get('x-request-id');
    if (requestId) requestIds.add(requestId);
    if (response.status !== 200) expect(body.error).toMatchObject({ type: expect.any(String), code: expect.any(String) });
    return { status: response.status, code: body.error?.code, retryAfter: response.headers.get('retry-after'), requestId, ms };
  }

  async function health(gateway: TestGateway) {
    const response = await fetch(`${gateway.origin}/health`);
    return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, Record<string, unknown>> } };
  }

  /** How many of the answered requests have their usage record in the database. */
  async function recordedOf(ids: Iterable<string>): Promise<number> {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".usage WHERE id = ANY($1)`, [[...ids]]);
      return Number(rows[0]!.n);
    } finally {
      await admin.end();
    }
  }

  const expectStoreUnavailable = (answer: Answer) => {
    expect(answer).toMatchObject({ status: 503, code: 'store_unavailable', retryAfter: String(retryAfterSeconds) });
  };

  it('connections reset under load: no crash, every answer 200 or 503 store_unavailable, and requests after recovery work', async () => {
    let resets = 0;
    const answers: Array<Promise<Answer>> = [];
    for (let i = 0; i < 120; i++) answers.push(ask(i % 2 ? open : closed, secrets.bob));
    const all = Promise.all(answers);
    // Reset every connection three times while reservations and settlements are in flight.
    for (let round = 0; round < 3; round++) {
      const next = await Promise.race([once(relay, 'traffic').then(() => 'traffic'), all.then(() => 'done')]);
      if (next === 'done') break;
      resets += relay.resetAll();
    }
    const settled = await all;
    expect(resets).toBeGreaterThan(0);
    for (const answer of settled) {
      if (answer.status !== 200) expectStoreUnavailable(answer);
    }
    // The pools replace what was reset: new requests are served.
    expect((await ask(open, secrets.bob)).status).toBe(200);
    expect((await ask(closed, secrets.bob)).status).toBe(200);
    const served = settled.filter((answer) => answer.status === 200).length;
    console.info(`[pg outage] reset under load: ${resets} connections reset, ${served}/120 served, ${120 - served} answered 503 store_unavailable, 0 crashes`);
  });

  it('refusing, then blackholed: 503 store_unavailable with Retry-After within the bound, fail-open serves a known key, /health degraded; records kept and written after recovery', async () => {
    // Before the outage: alice is looked up on both gateways, bob on the fail-open one.
    expect((await ask(open, secrets.alice)).status).toBe(200);
    expect((await ask(closed, secrets.alice)).status).toBe(200);
    expect((await ask(open, secrets.bob)).status).toBe(200);
    await expect.poll(async () => (await health(open)).body.checks['usage']?.['pending'], { timeout: 5000 }).toBe(0);
    const outageIds = new Set<string>();
    const unattributedBefore = unattributed();
    const during = async (gateway: TestGateway, secret: string) => {
      const answer = await ask(gateway, secret);
      if (answer.requestId) outageIds.add(answer.requestId);
      return answer;
    };

    // --- refused ---
    const logMark = open.logLines.length;
    await relay.setMode('refuse');
    // The fresh-lookup cache (1 s) must expire so that lookups reach the store: this waits for a TTL, not an event.
    await sleep(keyCacheTtlMs + 100);
    const refusedClosed = await during(closed, secrets.alice);
    expectStoreUnavailable(refusedClosed);
    expect(refusedClosed.ms).toBeLessThan(boundMs + 1000);
    const refusedUnknown = await during(open, secrets.carol); // a real key, but never seen by this instance
    expectStoreUnavailable(refusedUnknown);
    // Same key, same moment, both past the fresh cache: fail-closed said 503 above, fail-open serves her last good lookup.
    const refusedOpen = await during(open, secrets.alice);
    expect(refusedOpen.status).toBe(200);
    expectStoreUnavailable(await during(open, secrets.bob)); // a budget cannot be reserved: 503 even failing open
    const burst = await Promise.all(Array.from({ length: 40 }, () => during(open, secrets.alice)));
    expect(burst.map((answer) => answer.status)).toEqual(Array(40).fill(200));

    const adminList = await fetch(`${open.origin}/admin/keys`, { headers: { authorization: `Bearer ${masterKey}` } });
    expect(adminList.status).toBe(503);
    expect(((await adminList.json()) as { error: { code: string } }).error.code).toBe('store_unavailable');

    const degraded = await health(open);
    expect(degraded.status).toBe(503);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.checks['storage']).toMatchObject({ healthy: false, backend: 'postgres', status: 'degraded', since: expect.any(String), last_error: expect.any(String) });
    expect(JSON.stringify(degraded.body)).not.toContain(url);
    await expect.poll(async () => Number((await health(open)).body.checks['usage']?.['failed_writes']), { timeout: 5000 }).toBeGreaterThan(0);
    expect((await health(open)).body.checks['usage']).toMatchObject({ healthy: false, dropped: 0 });

    // --- blackholed: connections are accepted and never answered ---
    await relay.setMode('blackhole');
    await sleep(keyCacheTtlMs + 100); // again past the fresh-lookup cache
    const blackholedClosed = await during(closed, secrets.dave);
    expectStoreUnavailable(blackholedClosed);
    expect(blackholedClosed.ms).toBeLessThan(boundMs + 1000);
    const blackholedOpen = await during(open, secrets.alice);
    expect(blackholedOpen.status).toBe(200);
    expect(blackholedOpen.ms).toBeLessThan(boundMs + 1000);
    const blackholedBudget = await during(open, secrets.bob);
    expectStoreUnavailable(blackholedBudget);
    expect(blackholedBudget.ms).toBeLessThan(boundMs + 1000);
    expect((await health(closed)).status).toBe(503);

    // Held while the ledger refuses.
    const kept = Number((await health(open)).body.checks['usage']?.['pending']) + Number((await health(closed)).body.checks['usage']?.['pending']);
    expect(kept).toBeGreaterThan(0);

    // --- recovery ---
    await relay.setMode('pass');
    await expect.poll(async () => (await health(open)).status, { timeout: 10_000 }).toBe(200);
    await expect.poll(async () => (await health(closed)).status, { timeout: 10_000 }).toBe(200);
    // Each outage request is either in the ledger or, refused before any key was known, counted as unattributed.
    await expect.poll(async () => (await recordedOf(outageIds)) + unattributed() - unattributedBefore, { timeout: 10_000 }).toBe(outageIds.size);
    expect(unattributed() - unattributedBefore).toBeLessThan(outageIds.size);
    const usage = (await health(open)).body.checks['usage'];
    expect(usage).toMatchObject({ healthy: true, pending: 0, dropped: 0 });
    expect((await ask(closed, secrets.carol)).status).toBe(200);

    // One warning per store per interval (60 s), however many requests failed; never the connection string.
    const outageLog = open.logLines.slice(logMark);
    expect(outageLog.filter((line) => line.includes('store unavailable'))).toHaveLength(1);
    expect(outageLog.filter((line) => line.includes('writing usage records failed'))).toHaveLength(1);
    expect(outageLog.filter((line) => line.includes('request failed inside the gateway'))).toHaveLength(0);
    expect(open.logLines.join('\n')).not.toContain(url);
    console.info(
      `[pg outage] refused: fail-closed 503 in ${refusedClosed.ms.toFixed(0)} ms, unknown key 503 in ${refusedUnknown.ms.toFixed(0)} ms, fail-open known key 200 in ${refusedOpen.ms.toFixed(0)} ms; ` +
        `blackholed: fail-closed 503 in ${blackholedClosed.ms.toFixed(0)} ms, fail-open known key 200 in ${blackholedOpen.ms.toFixed(0)} ms, budget 503 in ${blackholedBudget.ms.toFixed(0)} ms (bound ${boundMs} ms); ` +
        `usage records held in memory at the end of the outage: ${kept}; outage requests ${outageIds.size}, their records written after recovery: ${await recordedOf(outageIds)} (the other ${unattributed() - unattributedBefore} were refused before any key was known: counted, not ledgered), dropped 0`,
    );
  });

  it('every request answered over the whole run has its usage record: none lost to the resets or the outage', async () => {
    await expect.poll(async () => (await recordedOf(requestIds)) + unattributed(), { timeout: 10_000 }).toBe(requestIds.size);
  });
});
