import { createLogger, GatewayError, type AuditEntry, type VirtualKey } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAdminRouter, createSelfRouter } from '../src/index.js';
import { MemoryKeyStore } from './support/memory-key-store.js';
import { MemoryUsageLedger } from './support/memory-usage-ledger.js';

/**
 * `POST /admin/keys/:id/revoke` whose store fails after the revoke committed: a timeout
 * after it, or the revoke's audit write failing. The caller got a 503 and sent it again;
 * the retry found the key revoked and answered 200 without auditing (revoking twice
 * changes nothing), so the key's trail never said it was revoked, nor when.
 */
const masterKey = 'sy-master-admin-test-0123456789';
const outage = () => new GatewayError('store_unavailable', 'The key store did not answer in time.');

/** A store whose next failures are chosen by the test. */
class FlakyKeyStore extends MemoryKeyStore {
  failRevokeAfterCommit = false;
  /** How many revoke audit writes fail, one after the other. */
  revokeAuditFailures = 0;
  /** How many update audit writes fail, one after the other. */
  updateAuditFailures = 0;

  override async revoke(id: string, at: Date): Promise<VirtualKey | undefined> {
    const key = await super.revoke(id, at);
    if (this.failRevokeAfterCommit) {
      this.failRevokeAfterCommit = false;
      throw outage();
    }
    return key;
  }

  override async appendAudit(entry: AuditEntry): Promise<void> {
    if (this.revokeAuditFailures > 0 && entry.action === 'revoke') {
      this.revokeAuditFailures--;
      throw outage();
    }
    if (this.updateAuditFailures > 0 && entry.action === 'update') {
      this.updateAuditFailures--;
      throw outage();
    }
    return super.appendAudit(entry);
  }
}

let keys: FlakyKeyStore;
let app: express.Express;

beforeEach(() => {
  keys = new FlakyKeyStore();
  const logger = createLogger({ level: 'silent' });
  const ledger = new MemoryUsageLedger();
  app = express()
    .use('/admin', createAdminRouter({ keys, ledger, masterKey, logger }))
    .use('/v1/me', createSelfRouter({ keys, ledger, logger }));
});

const asMaster = (test: request.Test) => test.set('authorization', `Bearer ${masterKey}`);
const useSecret = async (secret: string) => (await request(app).get('/v1/me').set('authorization', `Bearer ${secret}`)).status;

async function createKey(): Promise<{ id: string; secret: string }> {
  const response = await asMaster(request(app).post('/admin/keys')).send({ name: 'ci' });
  expect(response.status).toBe(201);
  return { id: response.body.key.id, secret: response.body.secret };
}

const revoke = (id: string) => asMaster(request(app).post(`/admin/keys/${id}/revoke`));

/** The key's trail, and the revoke entry at the time the key reads as revoked. */
function expectRevokeAudited(id: string): void {
  const trail = keys.audit.filter((entry) => entry.keyId === id);
  expect(trail.map((entry) => entry.action)).toEqual(['create', 'revoke']);
  expect(trail[1]).toEqual({ keyId: id, action: 'revoke', actor: 'master', at: keys.keys.get(id)!.revokedAt, details: {} });
}

describe('a key revoke whose store fails after the revoke committed', () => {
  it('audits the revoke when its audit write failed once; the retry answers 200 and audits nothing twice', async () => {
    const { id, secret } = await createKey();
    keys.revokeAuditFailures = 1;
    const failed = await revoke(id);
    expect(failed.status).toBe(503);
    expect(failed.body.error).toMatchObject({ code: 'store_unavailable' });
    expect(await useSecret(secret)).toBe(401);
    const retry = await revoke(id);
    expect(retry.status).toBe(200);
    expect(retry.body.key).toMatchObject({ status: 'revoked', revoked_at: keys.keys.get(id)!.revokedAt });
    expectRevokeAudited(id);
  });

  it('audits the revoke when the revoke itself timed out after committing', async () => {
    const { id, secret } = await createKey();
    keys.failRevokeAfterCommit = true;
    expect((await revoke(id)).status).toBe(503);
    expect(await useSecret(secret)).toBe(401);
    expect((await revoke(id)).status).toBe(200);
    expectRevokeAudited(id);
  });

  it('audits it once the store answers again, when it still failed as the 503 went out', async () => {
    const { id } = await createKey();
    keys.revokeAuditFailures = 2;
    expect((await revoke(id)).status).toBe(503);
    expect(keys.audit.filter((entry) => entry.keyId === id).map((entry) => entry.action)).toEqual(['create']);
    // The background retries come after 1, 5 and 30 s.
    await expect.poll(() => keys.audit.filter((entry) => entry.keyId === id).length, { timeout: 5_000 }).toBe(2);
    expectRevokeAudited(id);
  });
});

describe('a key update whose audit write fails after the update was stored', () => {
  it('writes its entry all the same: the 503 goes out, the trail holds the change its scope holds', async () => {
    const { id } = await createKey();
    keys.updateAuditFailures = 1;
    const failed = await asMaster(request(app).patch(`/admin/keys/${id}`)).send({ scope: { rpm: 5 } });
    expect(failed.status).toBe(503);
    expect(keys.keys.get(id)!.scope).toEqual({ rpm: 5 });
    const trail = keys.audit.filter((entry) => entry.keyId === id);
    expect(trail.map((entry) => [entry.action, entry.details])).toEqual([
      ['create', { name: 'ci', secret_prefix: expect.any(String) }],
      ['update', { scope: { rpm: 5 } }],
    ]);
  });

  it('writes it once the store answers again, when it still failed as the 503 went out', async () => {
    const { id } = await createKey();
    keys.updateAuditFailures = 2;
    expect((await asMaster(request(app).patch(`/admin/keys/${id}`)).send({ team: 'red' })).status).toBe(503);
    expect(keys.audit.filter((entry) => entry.keyId === id).map((entry) => entry.action)).toEqual(['create']);
    await expect.poll(() => keys.audit.filter((entry) => entry.keyId === id).map((entry) => entry.action), { timeout: 5_000 }).toEqual(['create', 'update']);
  });
});
