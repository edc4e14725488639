import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Spend by key, team, project and model after a key is renamed, moved to another team and
 * revoked: each record keeps the key id, team and project it was made with (docs/dashboard.md),
 * and every grouping adds up to the same total, to the micro-dollar, failed requests included.
 */
let gateway: TestGateway;
const admin = (method: string, route: string, body?: unknown) =>
  fetch(`${gateway.origin}/admin${route}`, {
    method,
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

beforeAll(async () => {
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-usage-key-changes-')) },
    providers: { mock: { use: 'mock' } },
    prices: { 'mock/echo': { input: 1.3, output: 2.7 } },
    storage: { use: 'sqlite' },
    usage: { flush_interval_ms: 20 },
  });
});
afterAll(() => gateway.close());

async function ask(secret: string, model: string, content: string): Promise<number> {
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }], max_tokens: 20 }),
  });
  await response.arrayBuffer();
  return response.status;
}

interface Row {
  group: string;
  requests: number;
  cost_usd: number;
  errors: number;
}
const usage = async (groupBy: string): Promise<Row[]> =>
  ((await (await admin('GET', `/usage?group_by=${groupBy}&from=2000-01-01&to=2999-01-01`)).json()) as { data: Row[] }).data;
const micros = (rows: Row[]) => rows.reduce((sum, row) => sum + Math.round(row.cost_usd * 1e6), 0);

describe('usage after a key is renamed, moved and revoked', () => {
  it('keeps each request under the key id, team and project it was made with; every grouping adds up to the same total', async () => {
    const created = (await (await admin('POST', '/keys', { name: 'before', team: 'red', project: 'alpha' })).json()) as { key: { id: string }; secret: string };
    const { id } = created.key;
    expect(await ask(created.secret, 'mock/echo', 'one two three')).toBe(200);
    expect(await ask(created.secret, 'nowhere/model', 'refused')).not.toBe(200);
    expect((await admin('PATCH', `/keys/${id}`, { name: 'after', team: 'blue', project: 'beta' })).status).toBe(200);
    expect(await ask(created.secret, 'mock/echo', 'four five six seven eight')).toBe(200);
    expect((await admin('POST', `/keys/${id}/revoke`, {})).status).toBe(200);

    await expect.poll(async () => (await usage('key')).find((row) => row.group === id)?.requests, { timeout: 10_000 }).toBe(3);
    const byKey = await usage('key');
    expect(byKey.find((row) => row.group === id)).toMatchObject({ requests: 3, errors: 1 });
    expect((await usage('team')).map(({ group, requests }) => ({ group, requests }))).toEqual([
      { group: 'blue', requests: 1 },
      { group: 'red', requests: 2 },
    ]);
    expect((await usage('project')).map(({ group, requests }) => ({ group, requests }))).toEqual([
      { group: 'alpha', requests: 2 },
      { group: 'beta', requests: 1 },
    ]);
    const total = micros(byKey);
    expect(total).toBeGreaterThan(0);
    for (const groupBy of ['team', 'project', 'model', 'provider', 'day', 'error_code']) expect(micros(await usage(groupBy)), groupBy).toBe(total);
  });
});
