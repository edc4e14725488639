import { createLogger, GatewayError, type AuditEntry, type KeySecret, type VirtualKey, type VirtualKeyFields } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAdminRouter } from '../src/index.js';
import { MemoryKeyStore } from './support/memory-key-store.js';
import { MemoryUsageLedger } from './support/memory-usage-ledger.js';

/**
 * `POST /admin/keys` whose store fails after the key was stored: a timeout after the
 * insert committed, or the audit write failing after it. The caller got a 503 and
 * no secret, yet the key stayed live and unaudited, and the caller's retry made a
 * second one. It is revoked (and audited so) before the 503 goes out, or, while the
 * store keeps failing, soon after.
 */
const masterKey = 'sy-master-admin-test-0123456789';
const outage = () => new GatewayError('store_unavailable', 'The key store did not answer in time.');

/** A store whose next failures are chosen by the test. */
class FlakyKeyStore extends MemoryKeyStore {
  failCreateAfterInsert = false;
  failCreateAudit = false;
  lookupFailures = 0;

  override async create(fields: VirtualKeyFields, secret: KeySecret): Promise<VirtualKey> {
    const key = await super.create(fields, secret);
    if (this.failCreateAfterInsert) {
      this.failCreateAfterInsert = false;
      throw outage();
    }
    return key;
  }

  override async appendAudit(entry: AuditEntry): Promise<void> {
    if (this.failCreateAudit && entry.action === 'create') {
      this.failCreateAudit = false;
      throw outage();
    }
    return super.appendAudit(entry);
  }

  override async findBySecretHash(hash: string, now: Date): Promise<VirtualKey | undefined> {
    if (this.lookupFailures > 0) {
      this.lookupFailures--;
      throw outage();
    }
    return super.findBySecretHash(hash, now);
  }
}

let keys: FlakyKeyStore;
let app: express.Express;

beforeEach(() => {
  keys = new FlakyKeyStore();
  const logger = createLogger({ level: 'silent' });
  app = express().use('/admin', createAdminRouter({ keys, ledger: new MemoryUsageLedger(), masterKey, logger }));
});

const create = (name: string) => request(app).post('/admin/keys').set('authorization', `Bearer ${masterKey}`).send({ name });
const stored = () => [...keys.keys.values()];

function expectUnanswered(response: request.Response): void {
  expect(response.status).toBe(503);
  expect(response.body).toEqual({ error: { message: expect.any(String), type: 'server_error', code: 'store_unavailable', param: null } });
  expect(response.text).not.toMatch(/sy-[0-9A-Za-z]{43}/);
}

function expectRevokedForFailedCreate(key: VirtualKey): void {
  expect(key.revokedAt).toBeDefined();
  const trail = keys.audit.filter((entry) => entry.keyId === key.id);
  expect(trail).toEqual([
    { keyId: key.id, action: 'revoke', actor: 'gateway', at: expect.any(String), details: { reason: 'create_failed', created_at: expect.any(String), secret_prefix: key.secrets[0]!.prefix } },
  ]);
}

describe('a key create whose store fails after the key was stored', () => {
  it('revokes the key a timeout after the insert left behind, before answering 503; the retry makes the one live key', async () => {
    keys.failCreateAfterInsert = true;
    expectUnanswered(await create('ci'));
    expect(stored()).toHaveLength(1);
    expectRevokedForFailedCreate(stored()[0]!);

    const retry = await create('ci');
    expect(retry.status).toBe(201);
    expect(stored().filter((key) => key.revokedAt === undefined).map((key) => key.id)).toEqual([retry.body.key.id]);
  });

  it('revokes the key whose create audit entry could not be written', async () => {
    keys.failCreateAudit = true;
    expectUnanswered(await create('ci'));
    expect(stored()).toHaveLength(1);
    expectRevokedForFailedCreate(stored()[0]!);
  });

  it('revokes it once the store answers again, when it still failed as the 503 went out', async () => {
    keys.failCreateAfterInsert = true;
    keys.lookupFailures = 1;
    expectUnanswered(await create('ci'));
    await expect.poll(() => stored()[0]?.revokedAt, { timeout: 5_000 }).toBeDefined();
    await expect.poll(() => keys.audit.length).toBe(1);
    expectRevokedForFailedCreate(stored()[0]!);
  });
});
