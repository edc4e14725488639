import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findPostgres, freshSchemaName, readFixture } from '@switchyard/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const epoch = new Date(0).toISOString();
const postgres = await findPostgres();
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/**
 * An OpenAI upstream that holds each chat call until the test lets it answer (OpenAI's
 * recorded answer: 121 prompt and 14 completion tokens), so a sweep can run while the call
 * is still under way, without waiting on a clock.
 */
async function startHeldUpstream(): Promise<{ url: string; arrived: Promise<void>; answer: () => void; server: Server }> {
  let arrivedNow!: () => void;
  let answerNow!: () => void;
  const arrived = new Promise<void>((resolve) => (arrivedNow = resolve));
  const answered = new Promise<void>((resolve) => (answerNow = resolve));
  const body = readFixture('openai', 'response.json');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivedNow();
      void answered.then(() => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, arrived, answer: answerNow, server };
}

/** A PostgreSQL storage block in a schema of its own, dropped after the file. */
function postgresStorage(): Record<string, unknown> {
  const url = (postgres as { url: string }).url;
  const schema = freshSchemaName();
  cleanups.unshift(() => dropSchema(url, schema));
  return { use: 'postgres', url, schema };
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

const stores: Array<[string, boolean, () => Record<string, unknown>]> = [
  ['sqlite', true, () => ({ use: 'sqlite' })],
  ['postgres', postgres.available, () => postgresStorage()],
];

describe.each(stores)('a settle that comes after its reservation was swept (%s)', (_name, available, storage) => {
  it.skipIf(!available)(
    'a call whose reservation was swept while it ran (its gateway was cut off from the store), and swept on for days after, is still spent as the ledger records it',
    async () => {
      const upstream = await startHeldUpstream();
      cleanups.push(() => new Promise((resolve) => upstream.server.close(() => resolve())));
      const gateway: TestGateway = await startTestGateway({
        server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-late-settle-')) },
        providers: { openai: { api_key: 'sk-test-late-settle', base_url: upstream.url } },
        prices: { 'openai/gpt-4o-mini': { input: 100, output: 100 } },
        storage: storage(),
        usage: { flush_interval_ms: 50 },
      });
      cleanups.push(() => gateway.close());
      const key = await createBudgetedKey(gateway, 1, 'late-settle');
      const owner = `key:${key.id}`;
      const { budgets, ledger } = gateway.gateway.runtime.storage!;

      const answer = fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(400) }], max_tokens: 50 }),
      });
      await upstream.arrived;
      expect(await budgets.reserved(owner, epoch)).toBeGreaterThan(0);
      // Another instance's sweep once the lease is over, then its sweeps on the days after (the clock moved, not waited for).
      const now = Date.now();
      expect(await budgets.releaseExpired(new Date(now + 3_600_000))).toBeGreaterThanOrEqual(1);
      for (const hours of [26, 50, 24 * 7]) await budgets.releaseExpired(new Date(now + hours * 3_600_000));
      expect(await budgets.reserved(owner, epoch)).toBe(0);

      upstream.answer();
      const response = await answer;
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      // 121 prompt and 14 completion tokens at $100 per million each.
      const cost = 0.0135;
      await expect.poll(() => budgets.spent(owner, epoch)).toBeCloseTo(cost, 9);
      expect(await budgets.reserved(owner, epoch)).toBe(0);
      const to = new Date(now + 60_000).toISOString();
      await expect
        .poll(async () => (await ledger.query({ groupBy: 'key', from: epoch, to, keyId: key.id }))[0]?.costUsd)
        .toBeCloseTo(cost, 9);
    },
  );
});
