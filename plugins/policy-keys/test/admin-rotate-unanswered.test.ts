import { createLogger, GatewayError, type AuditEntry, type KeySecret, type VirtualKey } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAdminRouter, createSelfRouter } from '../src/index.js';
import { MemoryKeyStore } from './support/memory-key-store.js';
import { MemoryUsageLedger } from './support/memory-usage-ledger.js';

/**
 * `POST /admin/keys/:id/rotate` whose store fails after the rotation committed: a
 * timeout after it (SQLite past `call_timeout_ms`, PostgreSQL past `query_timeout_ms`),
 * or the rotation's audit write failing. The caller got a 503 and no new secret; with
 * no grace period the old secret had already stopped working, so the key's holder was
 * locked out. The rotation is undone before the 503 goes out (the unseen secret ends,
 * the old ones work as before), or, while the store keeps failing, soon after.
 */
const masterKey = 'sy-master-admin-test-0123456789';
const outage = () => new GatewayError('store_unavailable', 'The key store did not answer in time.');

/** A store whose next failures are chosen by the test. */
class FlakyKeyStore extends MemoryKeyStore {
  failRotateAfterCommit = false;
  failRotateAudit = false;
  undoFailures = 0;
  /** While set, every undo fails: the test says when the store answers again. */
  undoBlocked = false;

  override async rotate(id: string, secret: KeySecret, graceUntil: Date | undefined): Promise<VirtualKey | undefined> {
    const key = await super.rotate(id, secret, graceUntil);
    if (this.failRotateAfterCommit) {
      this.failRotateAfterCommit = false;
      throw outage();
    }
    return key;
  }

  override async appendAudit(entry: AuditEntry): Promise<void> {
    if (this.failRotateAudit && entry.action === 'rotate') {
      this.failRotateAudit = false;
      throw outage();
    }
    return super.appendAudit(entry);
  }

  override async undoRotation(id: string, secret: KeySecret, previous: KeySecret[]): Promise<VirtualKey | undefined> {
    if (this.undoBlocked || this.undoFailures > 0) {
      if (this.undoFailures > 0) this.undoFailures--;
      throw outage();
    }
    return super.undoRotation(id, secret, previous);
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
/** What the key's holder sees when it uses a secret: 200 while it works, 401 once it does not. */
const useSecret = async (secret: string) => (await request(app).get('/v1/me').set('authorization', `Bearer ${secret}`)).status;

async function createKey(): Promise<{ id: string; secret: string }> {
  const response = await asMaster(request(app).post('/admin/keys')).send({ name: 'ci' });
  expect(response.status).toBe(201);
  return { id: response.body.key.id, secret: response.body.secret };
}

const rotate = (id: string, body: Record<string, unknown> = {}) => asMaster(request(app).post(`/admin/keys/${id}/rotate`)).send(body);

function expectUnanswered(response: request.Response): void {
  expect(response.status).toBe(503);
  expect(response.body).toEqual({ error: { message: expect.any(String), type: 'server_error', code: 'store_unavailable', param: null } });
  expect(response.text).not.toMatch(/sy-[0-9A-Za-z]{43}/);
}

/** The trail after the create: the undo, by the gateway, naming the ended secret and the ones given back. */
function expectUndoneInAudit(id: string, oldSecret: string): void {
  const key = keys.keys.get(id)!;
  const trail = keys.audit.filter((entry) => entry.keyId === id).map((entry) => entry.action);
  expect(trail.at(-1)).toBe('rotate_undone');
  expect(keys.audit.at(-1)).toEqual({
    keyId: id,
    action: 'rotate_undone',
    actor: 'gateway',
    at: expect.any(String),
    details: { reason: 'rotate_failed', rotated_at: expect.any(String), secret_prefix: expect.any(String), restored_secret_prefixes: [oldSecret.slice(0, 7)] },
  });
  expect(key.secrets.map((secret) => secret.prefix)).toEqual([oldSecret.slice(0, 7)]);
}

describe('a key rotation whose store fails after the rotation committed', () => {
  it('keeps the old secret working (no grace period) when the rotate timed out after committing; the retry rotates', async () => {
    const { id, secret } = await createKey();
    keys.failRotateAfterCommit = true;
    expectUnanswered(await rotate(id));
    expect(await useSecret(secret)).toBe(200);
    expectUndoneInAudit(id, secret);

    const retry = await rotate(id);
    expect(retry.status).toBe(200);
    expect(await useSecret(retry.body.secret)).toBe(200);
    expect(await useSecret(secret)).toBe(401);
  });

  it('keeps the old secret working when the rotation audit entry could not be written', async () => {
    const { id, secret } = await createKey();
    keys.failRotateAudit = true;
    expectUnanswered(await rotate(id));
    expect(await useSecret(secret)).toBe(200);
    expectUndoneInAudit(id, secret);
    expect(keys.audit.filter((entry) => entry.keyId === id).map((entry) => entry.action)).toEqual(['create', 'rotate_undone']);
  });

  it('gives a grace period secret back its own end, not the rotation grace', async () => {
    const { id, secret } = await createKey();
    keys.failRotateAfterCommit = true;
    expectUnanswered(await rotate(id, { grace_period: '1h' }));
    expect(keys.keys.get(id)!.secrets).toEqual([{ hash: expect.any(String), prefix: secret.slice(0, 7) }]);
    expect(await useSecret(secret)).toBe(200);
  });

  it('undoes it once the store answers again, when it still failed as the 503 went out', async () => {
    const { id, secret } = await createKey();
    keys.failRotateAfterCommit = true;
    keys.undoFailures = 1;
    expectUnanswered(await rotate(id));
    await expect.poll(() => keys.audit.at(-1)?.action, { timeout: 5_000 }).toBe('rotate_undone');
    expect(await useSecret(secret)).toBe(200);
    expectUndoneInAudit(id, secret);
  });

  it('only ends the unseen secret when a later rotation answered meanwhile: that rotation stands', async () => {
    const { id, secret } = await createKey();
    keys.failRotateAfterCommit = true;
    keys.undoBlocked = true;
    expectUnanswered(await rotate(id));
    // Its grace period keeps the unseen secret beside the new one, for the undo to find.
    const later = await rotate(id, { grace_period: '1h' });
    expect(later.status).toBe(200);
    keys.undoBlocked = false;
    // The retries come after 1 and 5 s: the first may have found the store still failing.
    await expect.poll(() => keys.audit.at(-1)?.action, { timeout: 10_000 }).toBe('rotate_undone');
    expect(keys.audit.at(-1)!.details).toMatchObject({ restored_secret_prefixes: [] });
    expect(await useSecret(later.body.secret)).toBe(200);
    expect(await useSecret(secret)).toBe(401);
    expect(keys.keys.get(id)!.secrets.map((entry) => entry.prefix)).toEqual([later.body.secret.slice(0, 7)]);
  });
});
