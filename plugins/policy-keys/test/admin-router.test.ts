import { gzipSync } from 'node:zlib';
import { createLogger } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { assertKeyUsable } from '../src/assert-key-usable.js';
import { createAdminRouter, hashApiKey } from '../src/index.js';
import { MemoryKeyStore } from './support/memory-key-store.js';
import { MemoryUsageLedger, usageRecord } from './support/memory-usage-ledger.js';

const masterKey = 'sy-master-admin-test-0123456789';
const start = new Date('2026-11-27T12:00:00.000Z');

let clock: Date;
let keys: MemoryKeyStore;
let ledger: MemoryUsageLedger;
let logLines: string[];
let responses: string[];
let app: express.Express;

function advance(milliseconds: number): void {
  clock = new Date(clock.getTime() + milliseconds);
}

beforeEach(() => {
  clock = start;
  keys = new MemoryKeyStore(() => clock);
  ledger = new MemoryUsageLedger();
  logLines = [];
  responses = [];
  const logger = createLogger({ level: 'trace', destination: { write: (line: string) => logLines.push(line) } });
  app = express().use('/admin', createAdminRouter({ keys, ledger, masterKey, logger, now: () => clock }));
});

type Method = 'get' | 'post' | 'patch' | 'delete' | 'options';

/** A request as the master key; every answer is kept to check no secret leaks into it later. */
async function admin(method: Method, path: string, body?: unknown) {
  let call = request(app)[method](`/admin${path}`).set('authorization', `Bearer ${masterKey}`);
  if (body !== undefined) call = call.send(body as object);
  const response = await call;
  responses.push(response.text);
  return response;
}

async function createKey(body: Record<string, unknown> = { name: 'test key' }) {
  const response = await admin('post', '/keys', body);
  expect(response.status).toBe(201);
  return response.body as { key: Record<string, any>; secret: string };
}

function expectError(response: request.Response, status: number, code: string, param?: string | null) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.body).toEqual({ error: { message: expect.any(String), type: expect.any(String), code, param: param === undefined ? expect.anything() : param } });
}

describe('admin API: who may call it', () => {
  it('refuses a request without a key', async () => {
    const response = await request(app).get('/admin/keys');
    expectError(response, 401, 'missing_api_key', null);
    expect(response.body.error.type).toBe('authentication_error');
  });

  it('refuses a wrong key, before reading anything else (unknown paths too)', async () => {
    expectError(await request(app).get('/admin/keys').set('authorization', 'Bearer sy-not-the-master-key-000'), 401, 'invalid_api_key', null);
    expectError(await request(app).get('/admin/nothing-here').set('x-api-key', 'sy-wrong'), 401, 'invalid_api_key', null);
    expectError(await request(app).post('/admin/keys').set('authorization', 'Bearer x').send('{not json'), 401, 'invalid_api_key', null);
  });

  it('refuses a virtual key, even a fresh valid one', async () => {
    const { secret } = await createKey();
    expect(await keys.findBySecretHash(hashApiKey(secret), clock)).toBeDefined();
    expectError(await request(app).get('/admin/keys').set('authorization', `Bearer ${secret}`), 401, 'invalid_api_key', null);
    expectError(await request(app).get('/admin/keys').set('x-api-key', secret), 401, 'invalid_api_key', null);
  });

  it('accepts the master key as Bearer or x-api-key', async () => {
    expect((await request(app).get('/admin/keys').set('authorization', `Bearer ${masterKey}`)).status).toBe(200);
    expect((await request(app).get('/admin/keys').set('x-api-key', masterKey)).status).toBe(200);
  });

  it('will not start without a master key', () => {
    expect(() => createAdminRouter({ keys, ledger, masterKey: '', logger: createLogger({ level: 'silent' }) })).toThrow(/master key/);
  });
});

describe('admin API: creating keys', () => {
  it('returns the record and the secret once, and stores only its hash and prefix', async () => {
    const { key, secret } = await createKey({
      name: 'search backend',
      team: 'platform',
      project: 'search',
      user: 'ada',
      tags: ['prod', 'search'],
      scope: {
        models: ['openai/*', 'smart'],
        endpoints: ['chat'],
        max_tokens: 4096,
        budget: { limit_usd: 25, period: 'weekly', alert_threshold: 0.8 },
        rpm: 60,
        tpm: 100_000,
        expires_in: '30d',
      },
    });
    expect(secret).toMatch(/^sy-[0-9A-Za-z]{43}$/);
    const expiresAt = '2026-12-27T12:00:00.000Z';
    expect(key).toEqual({
      id: expect.stringMatching(/^key_/),
      name: 'search backend',
      team: 'platform',
      project: 'search',
      user: 'ada',
      tags: ['prod', 'search'],
      scope: {
        models: ['openai/*', 'smart'],
        endpoints: ['chat'],
        max_tokens: 4096,
        budget: { limit_usd: 25, period: 'weekly', alert_threshold: 0.8 },
        rpm: 60,
        tpm: 100_000,
        expires_at: expiresAt,
      },
      disabled: false,
      status: 'active',
      created_at: start.toISOString(),
      updated_at: start.toISOString(),
      revoked_at: null,
      expires_at: expiresAt,
      secret_prefixes: [secret.slice(0, 7)],
    });
    const stored = keys.keys.get(key.id)!;
    expect(stored.secrets).toEqual([{ hash: hashApiKey(secret), prefix: secret.slice(0, 7) }]);
    expect(stored.scope).toMatchObject({ maxTokens: 4096, budget: { limitUsd: 25, period: 'weekly', alertThreshold: 0.8 }, expiresAt });
    expect(JSON.stringify([...keys.keys.values()])).not.toContain(secret);
  });

  it('makes a different secret every time, with defaults for what is not given', async () => {
    const first = await createKey({ name: 'a', scope: { budget: { limit_usd: 10 }, expires_at: '2027-01-01' } });
    const second = await createKey({ name: 'b', disabled: true });
    expect(first.secret).not.toBe(second.secret);
    expect(first.key.scope).toEqual({ budget: { limit_usd: 10, period: 'monthly' }, expires_at: '2027-01-01T00:00:00.000Z' });
    expect(second.key).toMatchObject({ team: null, project: null, user: null, tags: [], scope: {}, disabled: true, status: 'disabled', expires_at: null });
  });

  it('reads an expiry with an offset as that instant and a date alone as midnight UTC; refuses one without a zone or at this very moment; a key is expired from its expires_at on', async () => {
    const offset = await createKey({ name: 'a', scope: { expires_at: '2026-11-28T00:00:00+05:30' } });
    expect(offset.key.expires_at).toBe('2026-11-27T18:30:00.000Z');
    expect((await createKey({ name: 'b', scope: { expires_at: '2026-11-28' } })).key.expires_at).toBe('2026-11-28T00:00:00.000Z');
    expectError(await admin('post', '/keys', { name: 'c', scope: { expires_at: '2026-11-28T00:00:00' } }), 400, 'invalid_request', 'scope.expires_at');
    expectError(await admin('post', '/keys', { name: 'c', scope: { expires_at: start.toISOString() } }), 400, 'invalid_request', 'scope.expires_at');
    advance(Date.parse('2026-11-27T18:30:00.000Z') - start.getTime() - 1);
    expect((await admin('get', `/keys/${offset.key.id}`)).body.key.status).toBe('active');
    advance(1);
    expect((await admin('get', `/keys/${offset.key.id}`)).body.key.status).toBe('expired');
  });

  it.each([
    [{}, 'name'],
    [{ name: '' }, 'name'],
    [{ name: 'a', colour: 'red' }, 'colour'],
    [{ name: 'a', tags: 'prod' }, 'tags'],
    [{ name: 'a', tags: ['x', 7] }, 'tags[1]'],
    [{ name: 'a', scope: { rpm: 'fast' } }, 'scope.rpm'],
    [{ name: 'a', scope: { rpm: 0 } }, 'scope.rpm'],
    [{ name: 'a', scope: { max_tokens: 1.5 } }, 'scope.max_tokens'],
    [{ name: 'a', scope: { endpoints: ['chat', 'images'] } }, 'scope.endpoints[1]'],
    [{ name: 'a', scope: { budget: { period: 'daily' } } }, 'scope.budget.limit_usd'],
    [{ name: 'a', scope: { budget: { limit_usd: 5, period: 'hourly' } } }, 'scope.budget.period'],
    [{ name: 'a', scope: { budget: { limit_usd: 5, alert_threshold: 2 } } }, 'scope.budget.alert_threshold'],
    [{ name: 'a', scope: { rpm: null } }, 'scope.rpm'],
    [{ name: 'a', scope: { expires_in: 'soon' } }, 'scope.expires_in'],
    [{ name: 'a', scope: { expires_in: '0s' } }, 'scope.expires_in'],
    [{ name: 'a', scope: { expires_at: 'next tuesday' } }, 'scope.expires_at'],
    [{ name: 'a', scope: { expires_at: '2026-01-01T00:00:00Z' } }, 'scope.expires_at'],
    // Days a month does not have, which Date.parse would read as the next month's.
    [{ name: 'a', scope: { expires_at: '2027-02-30T00:00:00Z' } }, 'scope.expires_at'],
    [{ name: 'a', scope: { expires_at: '2027-04-31' } }, 'scope.expires_at'],
    [{ name: 'a', scope: { expires_at: '2027-01-01', expires_in: '1d' } }, 'scope.expires_in'],
    // Lone UTF-16 surrogates (JSON's \ud800): no store keeps them as they came.
    [{ name: 'a\ud800' }, 'name'],
    [{ name: 'a', team: '\udfff' }, 'team'],
    [{ name: 'a', tags: ['ok', 'x\ud800'] }, 'tags[1]'],
    // Names of blanks only (a space, a tab-free NBSP or ideographic space) read as no name at all.
    [{ name: ' ' }, 'name'],
    [{ name: 'a', team: '\u00a0\u3000' }, 'team'],
    [{ name: 'a', project: '   ' }, 'project'],
    [{ name: 'a', user: ' ' }, 'user'],
    [{ name: 'a', tags: ['ok', '  '] }, 'tags[1]'],
    // Noncharacters, which Unicode keeps for a program's own use: no text to interchange holds them.
    [{ name: 'a\ufffe' }, 'name'],
    [{ name: 'a', team: 'x\uffff' }, 'team'],
    [{ name: 'a', project: '\ufdd0' }, 'project'],
    [{ name: 'a', user: 'u\u{10ffff}' }, 'user'],
  ])('refuses %j naming %s', async (body, param) => {
    const response = await admin('post', '/keys', body);
    expectError(response, 400, 'invalid_request', param);
    expect(response.body.error.message).toContain(param);
    expect(keys.keys.size).toBe(0);
  });

  it('refuses a blank or noncharacter name on update too, and says which', async () => {
    const { key } = await createKey({ name: 'plain', team: 'ops' });
    const blank = await admin('patch', `/keys/${key['id']}`, { team: ' ' });
    expectError(blank, 400, 'invalid_request', 'team');
    expect(blank.body.error.message).toContain('blank');
    const nonchar = await admin('patch', `/keys/${key['id']}`, { name: 'x\uffff' });
    expectError(nonchar, 400, 'invalid_request', 'name');
    expect(nonchar.body.error.message).toContain('U+FFFF');
    expect((await admin('get', `/keys/${key['id']}`)).body.key).toMatchObject({ name: 'plain', team: 'ops' });
  });

  it('refuses bodies that are not a JSON object', async () => {
    expectError(await admin('post', '/keys', '{"name": '), 400, 'invalid_json', null);
    expectError(await admin('post', '/keys', ['name']), 400, 'invalid_request', null);
    expectError(await admin('post', '/keys'), 400, 'invalid_request', 'name');
    const large = await admin('post', '/keys', { name: 'a', tags: ['x'.repeat(70_000)] });
    expectError(large, 413, 'request_too_large', null);
  });

  it('names an unknown key of the body escaped and cut, never raw', async () => {
    const hostile = `x\u001b[2J\r\n\u202e${'k'.repeat(5000)}`;
    const response = await admin('post', '/keys', { name: 'a', [hostile]: 1 });
    expectError(response, 400, 'invalid_request');
    const { message, param } = response.body.error as { message: string; param: string };
    for (const shown of [message, param]) {
      expect(shown).not.toMatch(/[\u0000-\u001f\u202e]/);
      expect(shown).toContain('x\\u001b[2J\\u000d\\u000a\\u202e');
      expect(shown.length).toBeLessThan(600);
    }
  });

  it('names an unknown query parameter escaped', async () => {
    const response = await admin('get', '/keys?%1b%5b31m=1');
    expectError(response, 400, 'invalid_request');
    expect(response.body.error.message).not.toMatch(/[\u0000-\u001f]/);
    expect(response.body.error.param).toBe('\\u001b[31m');
  });

  // Found by test/no-500-from-input.property.test.ts: zlib's error reached the client as a 500 internal_error.
  it.each(['gzip', 'deflate', 'br'])('refuses a body that is not the %s its content-encoding says: 400, not 500', async (encoding) => {
    const response = await request(app).post('/admin/keys').set('authorization', `Bearer ${masterKey}`).set('content-type', 'application/json').set('content-encoding', encoding).send('{"name":"x"}');
    expectError(response, 400, 'invalid_request', null);
    expect(response.body.error.message).toContain('content-encoding');
    expect(logLines.filter((line) => line.includes('"level":50'))).toEqual([]);
    expect(keys.keys.size).toBe(0);
  });

  it('still reads a gzip body that is one', async () => {
    const response = await request(app).post('/admin/keys').set('authorization', `Bearer ${masterKey}`).set('content-encoding', 'gzip').send(gzipSync('{"name":"zipped"}'));
    expect(response.status).toBe(201);
  });
});

// Found by test/hostile-http.property.test.ts: every admin request's body was read as JSON first, so one that is
// none answered a listing, an unknown path or a wrong method with 400 invalid_json.
describe('admin API: a body where no route reads one', () => {
  const sendRaw = (method: 'get' | 'put' | 'post' | 'patch' | 'delete', path: string, body: string) =>
    request(app)[method](`/admin${path}`).set('authorization', `Bearer ${masterKey}`).set('content-type', 'application/json').send(body);

  it.each([['not json'], ['{"a":1e309}'], ['null']])('a listing with the stray body %j is answered as without it', async (body) => {
    await createKey({ name: 'listed' });
    const keysPage = await sendRaw('get', '/keys', body);
    expect(keysPage.status).toBe(200);
    expect(keysPage.body.data.map((key: { name: string }) => key.name)).toEqual(['listed']);
    expect((await sendRaw('get', '/usage', body)).status).toBe(200);
    expect((await sendRaw('get', '/requests', body)).status).toBe(200);
  });

  it('an unknown path with a body that is no JSON → 404 not_found', async () => {
    expectError(await sendRaw('post', '/nothing-here', 'not json'), 404, 'not_found', null);
  });

  it('a method the path does not take, with a body that is no JSON → 405 method_not_allowed', async () => {
    expectError(await sendRaw('put', '/usage', 'not json'), 405, 'method_not_allowed', null);
    expectError(await sendRaw('delete', '/keys/key_abc', 'not json'), 405, 'method_not_allowed', null);
  });

  it('a revoke reads no body: one that is no JSON does not stop it', async () => {
    const { key } = await createKey({ name: 'to revoke' });
    const revoked = await sendRaw('post', `/keys/${key.id}/revoke`, 'not json');
    expect(revoked.status).toBe(200);
    expect(revoked.body.key.status).toBe('revoked');
  });

  it('the routes that read a body still refuse one that is no JSON', async () => {
    const { key } = await createKey({ name: 'kept' });
    expectError(await sendRaw('post', '/keys', 'not json'), 400, 'invalid_json', null);
    expectError(await sendRaw('post', `/keys/${key.id}/rotate`, 'not json'), 400, 'invalid_json', null);
    expectError(await sendRaw('patch', `/keys/${key.id}`, '{"name":1e309}'), 400, 'invalid_request', 'name');
  });
});

describe('admin API: reading keys', () => {
  it('lists keys a page at a time, newest filters applied, revoked ones only on request', async () => {
    const made = [];
    for (const [index, team] of ['red', 'blue', 'red', 'red', 'blue'].entries()) {
      made.push((await createKey({ name: `k${index}`, team, project: index % 2 ? 'odd' : 'even', tags: index === 3 ? ['special'] : [] })).key);
    }
    const first = await admin('get', '/keys?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.data.map((key: { name: string }) => key.name)).toEqual(['k0', 'k1']);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await admin('get', `/keys?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`);
    expect(second.body.data.map((key: { name: string }) => key.name)).toEqual(['k2', 'k3']);
    const third = await admin('get', `/keys?limit=2&cursor=${encodeURIComponent(second.body.next_cursor)}`);
    expect(third.body).toMatchObject({ data: [{ name: 'k4' }], next_cursor: null });

    const names = async (query: string) => ((await admin('get', `/keys?${query}`)).body.data as Array<{ name: string }>).map((key) => key.name);
    expect(await names('team=red')).toEqual(['k0', 'k2', 'k3']);
    expect(await names('team=red&project=odd')).toEqual(['k3']);
    expect(await names('tag=special')).toEqual(['k3']);

    await admin('post', `/keys/${made[0]!.id}/revoke`);
    expect(await names('')).toEqual(['k1', 'k2', 'k3', 'k4']);
    expect(await names('include_revoked=true')).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['include_revoked=yes', 'include_revoked'],
    ['team=a&team=b', 'team'],
    ['sort=name', 'sort'],
    ['cursor=garbage', 'cursor'],
    ['cursor=%FF%FE', 'cursor'],
  ])('refuses the query %s naming %s', async (query, param) => {
    expectError(await admin('get', `/keys?${query}`), 400, 'invalid_request', param);
  });

  it('shows one key, and answers 404 for an unknown one', async () => {
    const { key } = await createKey({ name: 'shown' });
    const shown = await admin('get', `/keys/${key.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({ key });
    expectError(await admin('get', '/keys/key_nope'), 404, 'key_not_found', 'id');
    expectError(await admin('patch', '/keys/key_nope', { name: 'x' }), 404, 'key_not_found', 'id');
    expectError(await admin('post', '/keys/key_nope/revoke'), 404, 'key_not_found', 'id');
    expectError(await admin('post', '/keys/key_nope/rotate'), 404, 'key_not_found', 'id');
    expectError(await admin('get', '/keys/key_nope/audit'), 404, 'key_not_found', 'id');
    const longId = `key_${'x'.repeat(3000)}`;
    const long = await admin('get', `/keys/${longId}`);
    expectError(long, 404, 'key_not_found', 'id');
    expect(JSON.stringify(long.body)).not.toContain('x'.repeat(65));
  });

  it('reports an expired key as such', async () => {
    const { key } = await createKey({ name: 'short-lived', scope: { expires_in: '2s' } });
    advance(2000);
    expect((await admin('get', `/keys/${key.id}`)).body.key.status).toBe('expired');
  });

  it('a key both disabled and expired is listed as disabled, the same as the 401 its requests get (it was listed expired)', async () => {
    const { key } = await createKey({ name: 'off-and-old', disabled: true, scope: { expires_in: '2s' } });
    advance(2000);
    const stored = (await keys.get(key.id))!;
    expect(() => assertKeyUsable(stored, clock)).toThrow(expect.objectContaining({ code: 'key_disabled' }));
    expect((await admin('get', `/keys/${key.id}`)).body.key.status).toBe('disabled');
    expect((await admin('get', '/keys')).body.data.find((listed: { id: string }) => listed.id === key.id).status).toBe('disabled');
  });
});

describe('admin API: changing keys', () => {
  it('updates only the fields given, merging the scope; null clears a scope field', async () => {
    const { key } = await createKey({ name: 'before', team: 'red', scope: { rpm: 10, budget: { limit_usd: 5 }, models: ['a/*'] } });
    advance(60_000);
    const updated = await admin('patch', `/keys/${key.id}`, { name: 'after', tags: ['x'], scope: { rpm: 20, models: null, expires_in: '1h' } });
    expect(updated.status).toBe(200);
    expect(updated.body.key).toMatchObject({
      name: 'after',
      team: 'red',
      tags: ['x'],
      scope: { rpm: 20, budget: { limit_usd: 5, period: 'monthly' }, expires_at: '2026-11-27T13:01:00.000Z' },
      updated_at: '2026-11-27T12:01:00.000Z',
      created_at: start.toISOString(),
    });
    expect(updated.body.key.scope.models).toBeUndefined();
    expect(updated.body.key.secret_prefixes).toEqual(key.secret_prefixes);
    const disabled = await admin('patch', `/keys/${key.id}`, { disabled: true });
    expect(disabled.body.key).toMatchObject({ disabled: true, status: 'disabled', name: 'after' });
  });

  it('null takes a key out of its team, project or user (a team disbanded); the audit entry says so; a name cannot be cleared', async () => {
    const { key } = await createKey({ name: 'member', team: 'red', project: 'p', user: 'ada' });
    const left = await admin('patch', `/keys/${key.id}`, { team: null, project: null });
    expect(left.status).toBe(200);
    expect(left.body.key).toMatchObject({ team: null, project: null, user: 'ada' });
    expect((await admin('get', `/keys?team=red`)).body.data).toEqual([]);
    expect((await admin('patch', `/keys/${key.id}`, { user: null })).body.key).toMatchObject({ team: null, project: null, user: null });
    const audit = await admin('get', `/keys/${key.id}/audit`);
    expect(audit.body.data.at(-2)).toMatchObject({ action: 'update', details: { team: null, project: null } });
    expectError(await admin('patch', `/keys/${key.id}`, { name: null }), 400, 'invalid_request', 'name');
  });

  it('an update that gives only the budget\'s limit keeps its period and alert threshold (a $5 daily budget raised to $50 stayed daily, not $50 a month)', async () => {
    const { key } = await createKey({ name: 'daily', scope: { budget: { limit_usd: 5, period: 'daily', alert_threshold: 0.8 } } });
    const raised = await admin('patch', `/keys/${key.id}`, { scope: { budget: { limit_usd: 50 } } });
    expect(raised.body.key.scope.budget).toEqual({ limit_usd: 50, period: 'daily', alert_threshold: 0.8 });
    const weekly = await admin('patch', `/keys/${key.id}`, { scope: { budget: { limit_usd: 50, period: 'weekly', alert_threshold: null } } });
    expect(weekly.body.key.scope.budget).toEqual({ limit_usd: 50, period: 'weekly' });
    const { key: plain } = await createKey({ name: 'no budget yet' });
    const budgeted = await admin('patch', `/keys/${plain.id}`, { scope: { budget: { limit_usd: 3 } } });
    expect(budgeted.body.key.scope.budget).toEqual({ limit_usd: 3, period: 'monthly' });
    expectError(await admin('post', '/keys', { name: 'x', scope: { budget: { limit_usd: 3, alert_threshold: null } } }), 400, 'invalid_request', 'scope.budget.alert_threshold');
  });

  it.each([
    [{}, null],
    [{ name: 7 }, 'name'],
    [{ team: '' }, 'team'],
    [{ name: null }, 'name'],
    [{ scope: { rpm: -1 } }, 'scope.rpm'],
    [{ scope: { expires_in: '1y' } }, 'scope.expires_in'],
    [{ secret: 'sy-mine' }, 'secret'],
  ])('refuses the update %j naming %s', async (body, param) => {
    const { key } = await createKey();
    expectError(await admin('patch', `/keys/${key.id}`, body), 400, 'invalid_request', param);
  });

  it('two updates at once: the one that loses the race reads again and keeps the other\'s scope change', async () => {
    const { key } = await createKey({ name: 'raced', scope: { rpm: 10 } });
    // Another admin's update lands between this PATCH's read and its write, once.
    const update = keys.update.bind(keys);
    let interleaved = false;
    keys.update = async (id, fields, expected) => {
      if (!interleaved) {
        interleaved = true;
        const current = (await keys.get(id))!;
        await update(id, { scope: { ...current.scope, budget: { limitUsd: 5, period: 'monthly' } } });
      }
      return update(id, fields, expected);
    };
    const answer = await admin('patch', `/keys/${key.id}`, { scope: { rpm: 20 } });
    expect(answer.status).toBe(200);
    expect(answer.body.key.scope).toEqual({ rpm: 20, budget: { limit_usd: 5, period: 'monthly' } });
    expect((await keys.get(key.id))!.scope).toEqual({ rpm: 20, budget: { limitUsd: 5, period: 'monthly' } });
  });

  it('an update that keeps losing the race to other writers → 503 store_unavailable, nothing written', async () => {
    const { key } = await createKey({ name: 'raced', scope: { rpm: 10 } });
    const update = keys.update.bind(keys);
    let writes = 0;
    keys.update = async (id, fields, expected) => {
      const current = (await keys.get(id))!;
      await update(id, { scope: { ...current.scope, tpm: 1000 + writes++ } });
      return update(id, fields, expected);
    };
    expectError(await admin('patch', `/keys/${key.id}`, { scope: { rpm: 20 } }), 503, 'store_unavailable', 'id');
    expect((await keys.get(key.id))!.scope).toMatchObject({ rpm: 10 });
  });

  it('revokes a key once; revoking again changes nothing', async () => {
    const { key } = await createKey();
    advance(1000);
    const revoked = await admin('post', `/keys/${key.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.key).toMatchObject({ status: 'revoked', revoked_at: '2026-11-27T12:00:01.000Z' });
    advance(1000);
    const again = await admin('post', `/keys/${key.id}/revoke`);
    expect(again.body.key.revoked_at).toBe('2026-11-27T12:00:01.000Z');
    expect((await keys.listAudit(key.id, { limit: 100 })).entries.map((entry) => entry.action)).toEqual(['create', 'revoke']);
    expectError(await admin('post', `/keys/${key.id}/rotate`), 409, 'key_state_conflict', 'id');
  });

  it.each([
    ['a name', { name: 'renamed' }],
    ['enabling it', { disabled: false }],
    ['a scope field', { scope: { rpm: 5 } }],
    ['clearing a scope field', { scope: { budget: null } }],
    ['a team', { team: 'blue' }],
  ])('a revoked key is not changed by an update (%s) → 409 key_state_conflict, nothing stored, no audit entry', async (_, body) => {
    const { key } = await createKey({ name: 'kept', team: 'red', scope: { budget: { limit_usd: 5 } } });
    await admin('post', `/keys/${key.id}/revoke`);
    const before = (await keys.get(key.id))!;
    advance(1000);
    const answer = await admin('patch', `/keys/${key.id}`, body);
    expectError(answer, 409, 'key_state_conflict', 'id');
    expect(answer.body.error.message).toBe(`Key '${key.id}' is revoked; it cannot be changed.`);
    expect(await keys.get(key.id)).toEqual(before);
    expect((await keys.listAudit(key.id, { limit: 100 })).entries.map((entry) => entry.action)).toEqual(['create', 'revoke']);
    expect(logLines.filter((line) => line.includes('admin: key update'))).toEqual([]);
  });

  it.each(['rpm', 'tpm'])('scope.%s above 245,760,000 a minute (more than the rate limiter counts exactly) → 400 naming the field and the bound, on create and update', async (field) => {
    const refused = await admin('post', '/keys', { name: 'too fast', scope: { [field]: 245_760_001 } });
    expectError(refused, 400, 'invalid_request', `scope.${field}`);
    expect(refused.body.error.message).toContain('245760000');
    const { key } = await createKey({ name: 'fast', scope: { [field]: 245_760_000 } });
    expect(key.scope[field]).toBe(245_760_000);
    const update = await admin('patch', `/keys/${key.id}`, { scope: { [field]: 1_000_000_000 } });
    expectError(update, 400, 'invalid_request', `scope.${field}`);
    expect(update.body.error.message).toContain('245760000');
    expect((await keys.get(key.id))!.scope).toEqual({ [field]: 245_760_000 });
  });

  it('a revoked key still shows the prefixes it had, so a found secret is matched to its key and seen revoked', async () => {
    const { key, secret } = await createKey({ name: 'leaked' });
    await admin('post', `/keys/${key.id}/revoke`);
    const listed = (await admin('get', '/keys?include_revoked=true')).body.data.find((each: { id: string }) => each.id === key.id);
    expect(listed).toMatchObject({ status: 'revoked', secret_prefixes: [secret.slice(0, 7)] });
    expect((await admin('get', '/keys')).body.data.map((each: { id: string }) => each.id)).not.toContain(key.id);
  });

  it('a revoke landing between an update\'s read and its write → the same 409, nothing stored, no audit entry', async () => {
    const { key } = await createKey({ name: 'kept' });
    // Another admin's revoke lands just after this update has read the key (still live).
    const get = keys.get.bind(keys);
    keys.get = async (id) => {
      const read = await get(id);
      await keys.revoke(id, clock);
      return read;
    };
    expectError(await admin('patch', `/keys/${key.id}`, { name: 'renamed' }), 409, 'key_state_conflict', 'id');
    const stored = (await get(key.id))!;
    expect(stored.name).toBe('kept');
    expect(stored.revokedAt).toBe(clock.toISOString());
    expect((await keys.listAudit(key.id, { limit: 100 })).entries.map((entry) => entry.action)).toEqual(['create']);
  });

  it('a revoke landing between a rotation\'s read and its write → the same 409 as rotating a revoked key, no secret handed out', async () => {
    const { key, secret } = await createKey();
    // Another admin's revoke lands just after this rotation has read the key (still live).
    const get = keys.get.bind(keys);
    keys.get = async (id) => {
      const read = await get(id);
      await keys.revoke(id, clock);
      return read;
    };
    const answer = await admin('post', `/keys/${key.id}/rotate`, { grace_period: '1h' });
    expectError(answer, 409, 'key_state_conflict', 'id');
    expect(answer.body.secret).toBeUndefined();
    const stored = (await get(key.id))!;
    expect(stored.revokedAt).toBe(clock.toISOString());
    expect(stored.secrets.map((s) => s.hash)).toEqual([hashApiKey(secret)]);
    expect((await keys.listAudit(key.id, { limit: 100 })).entries.map((entry) => entry.action)).toEqual(['create']);
  });

  it('rotates: the new secret works at once, the old one until the grace period ends', async () => {
    const { key, secret: oldSecret } = await createKey();
    const rotated = await admin('post', `/keys/${key.id}/rotate`, { grace_period: '10m' });
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.secret as string;
    expect(newSecret).toMatch(/^sy-[0-9A-Za-z]{43}$/);
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.body.key.secret_prefixes).toEqual([oldSecret.slice(0, 7), newSecret.slice(0, 7)]);

    const holder = async (secret: string) => (await keys.findBySecretHash(hashApiKey(secret), clock))?.id;
    expect(await holder(oldSecret)).toBe(key.id);
    expect(await holder(newSecret)).toBe(key.id);
    advance(10 * 60_000 - 1);
    expect(await holder(oldSecret)).toBe(key.id);
    advance(1);
    expect(await holder(oldSecret)).toBeUndefined();
    expect(await holder(newSecret)).toBe(key.id);
    expect((await admin('get', `/keys/${key.id}`)).body.key.secret_prefixes).toEqual([newSecret.slice(0, 7)]);
  });

  it('60 rotations with grace_period 1d leave the 10 newest secrets working, not 61', async () => {
    const { key, secret } = await createKey();
    const secrets = [secret];
    for (let rotation = 0; rotation < 60; rotation++) {
      const rotated = await admin('post', `/keys/${key.id}/rotate`, { grace_period: '1d' });
      expect(rotated.status).toBe(200);
      secrets.push(rotated.body.secret as string);
    }
    const working = [];
    for (const each of secrets) if (await keys.findBySecretHash(hashApiKey(each), clock)) working.push(each);
    expect(working).toEqual(secrets.slice(-10));
    expect((await admin('get', `/keys/${key.id}`)).body.key.secret_prefixes).toEqual(secrets.slice(-10).map((each) => each.slice(0, 7)));
  });

  it('a rotation whose cap ends secrets still in their grace names them in its audit entry', async () => {
    const { key, secret } = await createKey();
    const secrets = [secret];
    for (let rotation = 0; rotation < 11; rotation++) {
      secrets.push((await admin('post', `/keys/${key.id}/rotate`, { grace_period: '1d' })).body.secret as string);
    }
    const rotations = (await keys.listAudit(key.id, { limit: 100 })).entries.filter((entry) => entry.action === 'rotate');
    expect(rotations.map((entry) => entry.details['secrets_ended_by_limit'])).toEqual([
      ...Array.from({ length: 9 }, () => undefined),
      [secrets[0]!.slice(0, 7)],
      [secrets[1]!.slice(0, 7)],
    ]);
  });

  it('rotates with the grace period in seconds, or none at all', async () => {
    const { key, secret: first } = await createKey();
    const second = (await admin('post', `/keys/${key.id}/rotate`, { grace_period: 30 })).body.secret as string;
    advance(29_000);
    expect(await keys.findBySecretHash(hashApiKey(first), clock)).toBeDefined();
    const third = (await admin('post', `/keys/${key.id}/rotate`)).body.secret as string;
    for (const gone of [first, second]) expect(await keys.findBySecretHash(hashApiKey(gone), clock)).toBeUndefined();
    expect(await keys.findBySecretHash(hashApiKey(third), clock)).toBeDefined();
    expectError(await admin('post', `/keys/${key.id}/rotate`, { grace_period: 'a while' }), 400, 'invalid_request', 'grace_period');
    expectError(await admin('post', `/keys/${key.id}/rotate`, { grace_period: -5 }), 400, 'invalid_request', 'grace_period');
  });

  it('answers 405 for a method an endpoint does not have, 404 for an unknown endpoint', async () => {
    const { key } = await createKey();
    expectError(await admin('delete', `/keys/${key.id}`), 405, 'method_not_allowed', null);
    expectError(await admin('get', '/nothing'), 404, 'not_found', null);
  });

  // Express's routers answered OPTIONS themselves: 200 text/plain "GET, HEAD, POST", no JSON, where /v1/models gives 405.
  it.each(['/keys', '/keys/key_abc', '/keys/key_abc/audit', '/keys/key_abc/revoke', '/usage', '/requests'])('OPTIONS %s → 405 method_not_allowed in JSON', async (path) => {
    expectError(await admin('options', path), 405, 'method_not_allowed', null);
  });
});

describe('admin API: audit, and where secrets never go', () => {
  it('records every change with the master as actor and the changed fields as details', async () => {
    const { key } = await createKey({ name: 'audited', team: 'red', scope: { rpm: 5 } });
    advance(1000);
    await admin('patch', `/keys/${key.id}`, { team: 'blue', scope: { expires_in: '1d' } });
    await admin('post', `/keys/${key.id}/rotate`, { grace_period: '1h' });
    await admin('post', `/keys/${key.id}/revoke`);
    const audit = await admin('get', `/keys/${key.id}/audit`);
    expect(audit.status).toBe(200);
    expect(audit.body.data).toEqual([
      { key_id: key.id, action: 'create', actor: 'master', at: start.toISOString(), details: { name: 'audited', team: 'red', scope: { rpm: 5 }, secret_prefix: key.secret_prefixes[0] } },
      { key_id: key.id, action: 'update', actor: 'master', at: '2026-11-27T12:00:01.000Z', details: { team: 'blue', scope: { expires_at: '2026-11-28T12:00:01.000Z' } } },
      {
        key_id: key.id,
        action: 'rotate',
        actor: 'master',
        at: '2026-11-27T12:00:01.000Z',
        details: { grace_period_seconds: 3600, previous_secrets_expire_at: '2026-11-27T13:00:01.000Z', secret_prefix: expect.stringMatching(/^sy-.{4}$/) },
      },
      { key_id: key.id, action: 'revoke', actor: 'master', at: '2026-11-27T12:00:01.000Z', details: {} },
    ]);
  });

  it('answers a key\'s audit trail a page at a time: limit 1–200, default 100, next_cursor to the rest (it was the whole trail at once)', async () => {
    const { key } = await createKey({ name: 'busy' });
    for (let i = 1; i < 150; i++) await keys.appendAudit({ keyId: key.id, action: 'update', actor: 'master', at: start.toISOString(), details: { n: i } });
    const first = await admin('get', `/keys/${key.id}/audit`);
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(100);
    expect(first.body.data[0]).toMatchObject({ action: 'create' });
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const rest = await admin('get', `/keys/${key.id}/audit?cursor=${first.body.next_cursor}`);
    expect(rest.body.data.map((entry: { details: { n: number } }) => entry.details.n)).toEqual(Array.from({ length: 50 }, (_, i) => i + 100));
    expect(rest.body.next_cursor).toBeNull();
    const small = await admin('get', `/keys/${key.id}/audit?limit=2&cursor=${first.body.next_cursor}`);
    expect(small.body.data.map((entry: { details: { n: number } }) => entry.details.n)).toEqual([100, 101]);
    expect((await admin('get', `/keys/${key.id}/audit?limit=200`)).body.data).toHaveLength(150);
    for (const limit of ['0', '201', '1.5', 'abc', '-1', '0100']) {
      expectError(await admin('get', `/keys/${key.id}/audit?limit=${limit}`), 400, 'invalid_request', 'limit');
    }
    for (const cursor of ['garbage', `${first.body.next_cursor}!`, 'x'.repeat(400)]) {
      expectError(await admin('get', `/keys/${key.id}/audit?cursor=${cursor}`), 400, 'invalid_request', 'cursor');
    }
    expectError(await admin('get', `/keys/${key.id}/audit?page=2`), 400, 'invalid_request');
  });

  it('never puts a secret or a hash in lists, shows, audit entries or log lines', async () => {
    const created = await createKey({ name: 'secretive', tags: ['t'] });
    const rotated = await admin('post', `/keys/${created.key.id}/rotate`, { grace_period: '5m' });
    const secrets = [created.secret, rotated.body.secret as string];
    const creationAnswers = responses.splice(0);
    await admin('get', '/keys');
    await admin('get', '/keys?include_revoked=true&tag=t');
    await admin('get', `/keys/${created.key.id}`);
    await admin('patch', `/keys/${created.key.id}`, { name: 'renamed' });
    await admin('get', `/keys/${created.key.id}/audit`);
    await admin('post', `/keys/${created.key.id}/revoke`);
    expect(logLines.length).toBeGreaterThanOrEqual(4);
    const everything = [...responses, ...logLines, JSON.stringify(keys.audit)].join('\n');
    for (const secret of secrets) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(secret.slice(7, 20));
      expect(everything).not.toContain(hashApiKey(secret));
      // Each secret was in exactly one answer: the one that made it.
      expect(creationAnswers.filter((text) => text.includes(secret))).toHaveLength(1);
    }
    expect(everything).not.toMatch(/"hash"/);
    expect(rotated.headers['cache-control']).toBe('no-store');
  });
});

describe('admin API: usage', () => {
  beforeEach(async () => {
    await ledger.append([
      usageRecord({ at: '2026-11-01T10:00:00.000Z', keyId: 'key_1', team: 'red', provider: 'openai', model: 'gpt-4o', inputTokens: 100, outputTokens: 10, costUsd: 0.5 }),
      usageRecord({ at: '2026-11-01T11:00:00.000Z', keyId: 'key_1', team: 'red', provider: 'openai', model: 'gpt-4o', inputTokens: 50, outputTokens: 5, costUsd: 0.25, status: 502, usageEstimated: true }),
      usageRecord({ at: '2026-11-02T10:00:00.000Z', keyId: 'key_2', team: 'Blue, "the best"', provider: 'anthropic', model: 'claude', inputTokens: 10, outputTokens: 1, costUsd: 1 }),
      usageRecord({ at: '2026-11-03T10:00:00.000Z', keyId: 'key_3', team: '=HYPERLINK("x")', provider: 'mock', model: 'echo' }),
      usageRecord({ at: '2026-10-01T10:00:00.000Z', keyId: 'key_1', team: 'red', provider: 'openai', costUsd: 100 }),
    ]);
  });

  it('groups as asked over [from, to) as JSON', async () => {
    const response = await admin('get', '/usage?group_by=team&from=2026-11-01&to=2026-11-03');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      group_by: 'team',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-03T00:00:00.000Z',
      limit: 100,
      folded_groups: 0,
      data: [
        { group: 'Blue, "the best"', requests: 1, input_tokens: 10, output_tokens: 1, cached_input_tokens: 0, reasoning_tokens: 0, cost_usd: 1, errors: 0, estimated_requests: 0, estimated_cost_usd: 0 },
        // One of red's two records holds the gateway's estimate: 0.25 of its 0.75 rests on it.
        { group: 'red', requests: 2, input_tokens: 150, output_tokens: 15, cached_input_tokens: 0, reasoning_tokens: 0, cost_usd: 0.75, errors: 1, estimated_requests: 1, estimated_cost_usd: 0.25 },
      ],
    });
    const byDay = await admin('get', '/usage?group_by=day&from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z&key_id=key_1');
    expect(byDay.body.data).toEqual([expect.objectContaining({ group: '2026-11-01', requests: 2 })]);
  });

  it('defaults to grouping by key over the last 30 days', async () => {
    const response = await admin('get', '/usage');
    expect(response.body).toMatchObject({ group_by: 'key', from: '2026-10-28T12:00:00.000Z', to: start.toISOString() });
    expect(response.body.data.map((row: { group: string }) => row.group)).toEqual(['key_1', 'key_2', 'key_3']);
  });

  it('writes CSV with a header row and proper quoting', async () => {
    const response = await admin('get', '/usage?group_by=team&from=2026-11-01&to=2026-12-01&format=csv');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.text).toBe(
      [
        'team,requests,input_tokens,output_tokens,cached_input_tokens,reasoning_tokens,cost_usd,errors,estimated_requests,estimated_cost_usd',
        '"\'=HYPERLINK(""x"")",1,0,0,0,0,0,0,0,0',
        '"Blue, ""the best""",1,10,1,0,0,1,0,0,0',
        'red,2,150,15,0,0,0.75,1,1,0.25',
        '',
      ].join('\r\n'),
    );
  });

  it.each([
    ['group_by=colour', 'group_by'],
    ['format=xml', 'format'],
    ['from=yesterday', 'from'],
    ['to=2026-13-45', 'to'],
    ['from=2026-11-02&to=2026-11-01', 'from'],
    ['from=2026-02-29', 'from'],
    ['from=2026-11-01&to=2026-11-31T00:00:00Z', 'to'],
  ])('refuses %s naming %s', async (query, param) => {
    expectError(await admin('get', `/usage?${query}`), 400, 'invalid_request', param);
  });
});

describe('admin API: hostile bodies (issue 10)', () => {
  /** Raw JSON text, so numbers such as 1e309 arrive as written. */
  async function raw(method: 'post' | 'patch', path: string, text: string) {
    const response = await request(app)[method](`/admin${path}`).set('authorization', `Bearer ${masterKey}`).set('content-type', 'application/json').send(text);
    responses.push(response.text);
    return response;
  }

  it.each([
    ['scope.budget.limit_usd', '{"name":"k","scope":{"budget":{"limit_usd":1e309}}}'],
    ['scope.budget.limit_usd', '{"name":"k","scope":{"budget":{"limit_usd":1e10}}}'],
    ['scope.rpm', '{"name":"k","scope":{"rpm":1e309}}'],
    ['scope.tpm', '{"name":"k","scope":{"tpm":1e13}}'],
    ['scope.max_tokens', '{"name":"k","scope":{"max_tokens":9007199254740993}}'],
    ['scope.expires_in', '{"name":"k","scope":{"expires_in":9007199254740}}'],
    ['scope.expires_in', '{"name":"k","scope":{"expires_in":"99999999w"}}'],
  ])('%s out of range → 400 naming it (%s)', async (param, text) => {
    expectError(await raw('post', '/keys', text), 400, 'invalid_request', param);
  });

  it('a rotation grace period past a hundred years → 400, not a 500 from an invalid date', async () => {
    const { key } = await createKey();
    expectError(await raw('post', `/keys/${key['id']}/rotate`, '{"grace_period":"9999999999d"}'), 400, 'invalid_request', 'grace_period');
    expectError(await raw('post', `/keys/${key['id']}/rotate`, '{"grace_period":9007199254740}'), 400, 'invalid_request', 'grace_period');
  });

  it('10,000 levels of nesting → 400 naming the limit', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const response = await raw('post', '/keys', `{"name":"k","tags":${deep}}`);
    expectError(response, 400, 'invalid_request', null);
    expect(response.body.error.message).toContain('max_json_depth');
  });

  it('an overlong model pattern in the scope → 400', async () => {
    expectError(await admin('post', '/keys', { name: 'k', scope: { models: [`mock/${'x'.repeat(400)}`] } }), 400, 'invalid_request', 'scope.models[0]');
  });
});
