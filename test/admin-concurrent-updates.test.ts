import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findPostgres, freshSchemaName } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCaller } from './support/admin-call.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Many admin updates of one key at once, on one gateway (a script setting fields in
 * parallel). Each update read the key, merged its change and wrote it only if the scope
 * was still the one read; on a lost race it read again, five times at most. Updates on
 * the same gateway lost those races only to each other, and a fifth of twenty were
 * answered 503 `store_unavailable` ("kept changing … try again") with nothing wrong.
 * Revokes sent together each read the key live and each wrote a `revoke` to its audit
 * trail, at times other than the one the key keeps.
 */
const postgres = await findPostgres();
const stores = [
  ['sqlite', () => ({ use: 'sqlite' })],
  ...(postgres.available ? [['postgres', () => ({ use: 'postgres', url: postgres.url, schema: freshSchemaName() })] as const] : []),
] as const;

describe.each(stores)('twenty updates of one key at once on %s', (_store, storage) => {
  let gateway: TestGateway;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-concurrent-updates-'));
    gateway = await startTestGateway({ server: { data_dir: dataDir }, providers: { mock: {} }, storage: storage() });
  });
  afterAll(async () => {
    await gateway?.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const admin = adminCaller(() => gateway.origin, masterKey);

  it('are all applied, each keeping the others\' changes', async () => {
    const created = await admin('POST', '/keys', { name: 'parallel' });
    expect(created.status).toBe(201);
    const id = created.body['key'].id as string;
    // Every one changes the scope (each merges its field into the scope it read); the rpm is set by several, to one value.
    const changes: Array<Record<string, unknown>> = [
      { scope: { rpm: 7 } },
      { scope: { tpm: 7000 } },
      { scope: { max_tokens: 77 } },
      { scope: { budget: { limit_usd: 7, period: 'daily' } } },
      { scope: { models: ['mock/*'] } },
      { scope: { endpoints: ['chat', 'models'] } },
      { scope: { expires_at: '2099-01-01T00:00:00Z' } },
      ...Array.from({ length: 13 }, (_, i) => ({ name: `parallel-${i}`, scope: { rpm: 7 } })),
    ];
    const answers = await Promise.all(changes.map((change) => admin('PATCH', `/keys/${id}`, change)));
    expect(answers.map((answer) => answer.status)).toEqual(changes.map(() => 200));
    const key = (await admin('GET', `/keys/${id}`)).body['key'];
    expect(key).toMatchObject({
      scope: {
        rpm: 7,
        tpm: 7000,
        max_tokens: 77,
        budget: { limit_usd: 7, period: 'daily' },
        models: ['mock/*'],
        endpoints: ['chat', 'models'],
        expires_at: '2099-01-01T00:00:00.000Z',
      },
    });
  });

  it('revoked by several at once: revoked once, at the time it keeps, with one revoke in its audit trail', async () => {
    const created = await admin('POST', '/keys', { name: 'revoked-together' });
    const id = created.body['key'].id as string;
    const answers = await Promise.all(Array.from({ length: 10 }, () => admin('POST', `/keys/${id}/revoke`)));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    const revokedAt = (await admin('GET', `/keys/${id}`)).body['key'].revoked_at as string;
    expect(answers.map((answer) => answer.body['key'].revoked_at)).toEqual(answers.map(() => revokedAt));
    const audit = (await admin('GET', `/keys/${id}/audit`)).body['data'] as Array<{ action: string; at: string }>;
    expect(audit.filter((entry) => entry.action === 'revoke')).toEqual([expect.objectContaining({ at: revokedAt })]);
  });
});
