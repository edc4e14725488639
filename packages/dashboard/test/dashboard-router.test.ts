import { createLogger } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryKeyStore } from '../../../plugins/policy-keys/test/support/memory-key-store.js';
import { MemoryUsageLedger, usageRecord } from '../../../plugins/policy-keys/test/support/memory-usage-ledger.js';
import { createDashboardRouter } from '../src/index.js';

const masterKey = 'sy-master-dashboard-test-0123456789';
const start = new Date('2026-11-27T12:00:00.000Z');
/** The dashboard's clock: tests move it on. */
let now = start;

let keys: MemoryKeyStore;
let ledger: MemoryUsageLedger;
let app: express.Express;
let logLines: string[];

function build(options: { maxSessions?: number; maxSessionsPerKey?: number; ttlMs?: number; maxLifetimeMs?: number; trustProxy?: number } = {}) {
  logLines = [];
  const logger = createLogger({ level: 'trace', destination: { write: (line: string) => void logLines.push(line) } });
  app = express();
  if (options.trustProxy) app.set('trust proxy', options.trustProxy);
  app.use(
    '/dashboard',
    createDashboardRouter({
      keys,
      ledger,
      masterKey,
      logger,
      now: () => now,
      sessions: {
        ...(options.maxSessions && { maxSessions: options.maxSessions }),
        ...(options.maxSessionsPerKey && { maxSessionsPerKey: options.maxSessionsPerKey }),
        ...(options.ttlMs && { ttlMs: options.ttlMs }),
        ...(options.maxLifetimeMs && { maxLifetimeMs: options.maxLifetimeMs }),
      },
    }),
  );
}

beforeEach(() => {
  now = start;
  keys = new MemoryKeyStore(() => now);
  ledger = new MemoryUsageLedger();
  build();
});

const header = { 'x-switchyard-dashboard': '1' };

/** Logs in and returns the session cookie (name=value). */
async function logIn(key: string): Promise<string> {
  const response = await request(app).post('/dashboard/api/session').set(header).send({ key });
  expect(response.status).toBe(200);
  return String(response.headers['set-cookie']![0]).split(';')[0]!;
}

async function createVirtualKey(name: string) {
  const cookie = await logIn(masterKey);
  const response = await request(app).post('/dashboard/api/admin/keys').set(header).set('cookie', cookie).send({ name });
  expect(response.status).toBe(201);
  return response.body as { key: { id: string }; secret: string };
}

describe('dashboard page', () => {
  it('serves the page, its modules and uPlot from the package with a strict CSP', async () => {
    const redirect = await request(app).get('/dashboard');
    expect(redirect.status).toBe(301);
    expect(redirect.headers['location']).toBe('/dashboard/');
    const page = await request(app).get('/dashboard/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['x-frame-options']).toBe('DENY');
    // No inline script: every <script> has a src on this origin.
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=")[^>]*>/);
    expect(page.text).not.toMatch(/https?:\/\//);
    const module = await request(app).get('/dashboard/app.js');
    expect(module.headers['content-type']).toMatch(/javascript/);
    const uplot = await request(app).get('/dashboard/vendor/uplot/uPlot.esm.js');
    expect(uplot.status).toBe(200);
    expect(uplot.text).toContain('uPlot');
    const escape = await request(app).get('/dashboard/vendor/uplot/..%2f..%2fpackage.json');
    expect([403, 404]).toContain(escape.status);
    expect(escape.text).not.toContain('"name"');
  });
});

describe('the /dashboard redirect', () => {
  it('keeps a short query, and leaves out one that would make a Location header no client reads', async () => {
    expect((await request(app).get('/dashboard?view=keys')).headers['location']).toBe('/dashboard/?view=keys');
    // Found by test/no-500-from-input.property.test.ts: a query of nearly 16 KB (which the server takes) came back in Location, and the answer's headers went past the 16 KiB a Node client reads.
    const long = await request(app).get(`/dashboard?limit=${'q'.repeat(15_800)}`);
    expect(long.status).toBe(301);
    expect(long.headers['location']).toBe('/dashboard/');
  });
});

describe('dashboard sessions', () => {
  it('exchanges the master key for an HttpOnly, SameSite=Strict session cookie holding no key', async () => {
    const response = await request(app).post('/dashboard/api/session').set(header).send({ key: masterKey });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ role: 'admin', health_path: '/health' });
    const cookie = String(response.headers['set-cookie']![0]);
    expect(cookie).toMatch(/^switchyard_dashboard=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(masterKey);
    expect(JSON.stringify(response.body)).not.toContain(masterKey);
    const id = cookie.split(';')[0]!;
    expect((await request(app).get('/dashboard/api/session').set(header).set('cookie', id)).body.role).toBe('admin');
    expect((await request(app).get('/dashboard/api/admin/keys').set(header).set('cookie', id)).status).toBe(200);
  });

  it('marks the cookie Secure behind TLS', async () => {
    app = express().set('trust proxy', true).use('/dashboard', createDashboardRouter({ keys, ledger, masterKey, logger: createLogger({ level: 'silent' }) }));
    const response = await request(app).post('/dashboard/api/session').set(header).set('x-forwarded-proto', 'https').send({ key: masterKey });
    expect(String(response.headers['set-cookie']![0])).toContain('; Secure');
  });

  it('logout ends the session on the server, not only in the browser', async () => {
    const cookie = await logIn(masterKey);
    const out = await request(app).delete('/dashboard/api/session').set(header).set('cookie', cookie);
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie']![0])).toContain('Max-Age=0');
    const after = await request(app).get('/dashboard/api/admin/keys').set(header).set('cookie', cookie);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('session_required');
  });

  it('tells sibling processes of a logout only for a session id the server could have made, never a cookie of 8 KB of anything', async () => {
    const published: unknown[] = [];
    app = express();
    app.use('/dashboard', createDashboardRouter({ keys, ledger, masterKey, logger: createLogger({ level: 'silent' }), now: () => now, sharedSessions: { publish: async (change) => void published.push(change), subscribe: () => undefined } }));
    for (const cookie of [`switchyard_dashboard=${'x'.repeat(8000)}`, 'switchyard_dashboard=a b', 'switchyard_dashboard=short']) {
      const out = await request(app).delete('/dashboard/api/session').set(header).set('cookie', cookie);
      expect(out.status).toBe(204);
    }
    expect(published).toEqual([]);
    const cookie = await logIn(masterKey);
    published.length = 0;
    await request(app).delete('/dashboard/api/session').set(header).set('cookie', cookie);
    expect(published).toEqual([{ type: 'ended', id: cookie.split('=')[1] }]);
  });

  it('refuses a wrong key with one answer, and logs no key', async () => {
    const { secret, key } = await createVirtualKey('soon revoked');
    const cookie = await logIn(masterKey);
    await request(app).post(`/dashboard/api/admin/keys/${key.id}/revoke`).set(header).set('cookie', cookie).send({});
    const answers = await Promise.all(
      ['sy-unknown-0123456789', secret].map((attempt) => request(app).post('/dashboard/api/session').set(header).send({ key: attempt })),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('invalid_api_key');
      expect(answer.headers['set-cookie']).toBeUndefined();
    }
    expect(logLines.join('\n')).not.toContain(secret);
    expect(logLines.join('\n')).not.toContain(masterKey);
  });

  it.each([
    ['no body', undefined],
    ['a number', { key: 5 }],
    ['an empty key', { key: '' }],
    ['a key with spaces', { key: 'sy a b' }],
    ['a huge key', { key: 'k'.repeat(600) }],
    ['deep JSON', JSON.parse(`{"key":${'['.repeat(50)}${']'.repeat(50)}}`)],
  ])('answers a login with %s 400, never 500', async (_name, body) => {
    const response = await request(app).post('/dashboard/api/session').set(header).send(body as object);
    expect(response.status).toBe(400);
  });

  // PUT or OPTIONS on /session was 404 "Unknown dashboard endpoint", as if the path did not exist.
  it.each(['put', 'patch', 'options'] as const)('answers %s /session 405 method_not_allowed', async (method) => {
    const response = await request(app)[method]('/dashboard/api/session').set(header);
    expect(response.status).toBe(405);
    expect(response.body.error).toMatchObject({ code: 'method_not_allowed', param: null, type: 'invalid_request_error' });
  });

  // Found by test/no-500-from-input.property.test.ts: zlib's error reached the client as a 500 internal_error.
  it('refuses a login body that is not the gzip its content-encoding says: 400, not 500', async () => {
    const response = await request(app).post('/dashboard/api/session').set(header).set('content-type', 'application/json').set('content-encoding', 'gzip').send('{"key":"x"}');
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'invalid_request', param: null });
    expect(logLines.filter((line) => line.includes('"level":50'))).toEqual([]);
  });

  it('slows a guesser down: after ten failures a minute, logins from that address get 429', async () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      expect((await request(app).post('/dashboard/api/session').set(header).send({ key: `sy-guess-${attempt}` })).status).toBe(401);
    }
    const blocked = await request(app).post('/dashboard/api/session').set(header).send({ key: masterKey });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('too_many_logins');
  });

  it('counts guesses still being checked: eleven at once from one address, the eleventh is 429 before any lookup ends', async () => {
    // A key store that answers only when let go (PostgreSQL's round trip, held open).
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let lookups = 0;
    let lookupStarted: () => void = () => {};
    const find = keys.findBySecretHash.bind(keys);
    keys.findBySecretHash = async (hash, at) => {
      lookups++;
      lookupStarted();
      await gate;
      return find(hash, at);
    };
    const guess = (attempt: number) => request(app).post('/dashboard/api/session').set(header).send({ key: `sy-guess-${attempt}` }).then((response) => response);
    const firstTen = Array.from({ length: 10 }, (_, attempt) => guess(attempt));
    while (lookups < 10) await new Promise<void>((resolve) => (lookupStarted = resolve));
    // The eleventh is answered while the ten are still in the store, or it starts an eleventh lookup.
    const eleventh = guess(10);
    const outcome = await Promise.race([eleventh.then((response) => response.status), new Promise<string>((resolve) => (lookupStarted = () => resolve('looked up')))]);
    release();
    expect(outcome).toBe(429);
    expect((await Promise.all(firstTen)).map((response) => response.status)).toEqual(Array(10).fill(401));
    expect((await eleventh).status).toBe(429);
    expect(lookups).toBe(10);
  });

  it('counts failures on the dashboard\'s clock: a minute later on it, that address logs in again', async () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      expect((await request(app).post('/dashboard/api/session').set(header).send({ key: `sy-guess-${attempt}` })).status).toBe(401);
    }
    now = new Date(now.getTime() + 59_000);
    expect((await request(app).post('/dashboard/api/session').set(header).send({ key: masterKey })).status).toBe(429);
    now = new Date(now.getTime() + 2_000);
    expect((await request(app).post('/dashboard/api/session').set(header).send({ key: masterKey })).status).toBe(200);
  });

  const failTenTimes = async (forwardedFor: string) => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const response = await request(app).post('/dashboard/api/session').set(header).set('x-forwarded-for', forwardedFor).send({ key: `sy-guess-${attempt}` });
      expect(response.status).toBe(401);
    }
  };
  const logInFrom = (forwardedFor: string) => request(app).post('/dashboard/api/session').set(header).set('x-forwarded-for', forwardedFor).send({ key: masterKey });

  it('behind a trusted proxy, counts failures per forwarded client address, not per proxy', async () => {
    build({ trustProxy: 1 });
    await failTenTimes('203.0.113.7');
    expect((await logInFrom('203.0.113.7')).status).toBe(429);
    // Another client behind the same proxy (the same socket peer) still logs in.
    expect((await logInFrom('203.0.113.8')).status).toBe(200);
    // What a client puts before the proxy's own entry is not read: one hop is trusted.
    expect((await logInFrom('198.51.100.1, 203.0.113.7')).status).toBe(429);
  });

  it('without a trusted proxy, X-Forwarded-For is the client\'s word and ignored', async () => {
    await failTenTimes('203.0.113.7');
    expect((await logInFrom('203.0.113.8')).status).toBe(429);
  });

  it('a forwarded value that is not an IP address counts as the proxy\'s own address, not a bucket of its own', async () => {
    build({ trustProxy: 1 });
    for (let attempt = 0; attempt < 10; attempt++) {
      const response = await request(app).post('/dashboard/api/session').set(header).set('x-forwarded-for', `made-up-name-${attempt}`).send({ key: `sy-guess-${attempt}` });
      expect(response.status).toBe(401);
    }
    expect((await logInFrom('another-made-up-name')).status).toBe(429);
    expect((await logInFrom('203.0.113.9')).status).toBe(200);
  });

  it('requires the dashboard header on every API call (CSRF) and refuses cross-site calls', async () => {
    const cookie = await logIn(masterKey);
    const withoutHeader = await request(app).post('/dashboard/api/admin/keys').set('cookie', cookie).send({ name: 'csrf' });
    expect(withoutHeader.status).toBe(403);
    expect(withoutHeader.body.error.code).toBe('csrf_rejected');
    const crossSite = await request(app).post('/dashboard/api/admin/keys').set(header).set('sec-fetch-site', 'cross-site').set('cookie', cookie).send({ name: 'csrf' });
    expect(crossSite.status).toBe(403);
    expect((await request(app).post('/dashboard/api/session').send({ key: masterKey })).status).toBe(403);
    expect((await keys.list({ limit: 10 })).keys).toHaveLength(0);
  });

  it('a session id is never trusted unless the server made it, and a login replaces the old one', async () => {
    const forged = `switchyard_dashboard=${'A'.repeat(43)}`;
    expect((await request(app).get('/dashboard/api/session').set(header).set('cookie', forged)).status).toBe(401);
    const first = await logIn(masterKey);
    const second = (await request(app).post('/dashboard/api/session').set(header).set('cookie', first).send({ key: masterKey })).headers['set-cookie']![0]!;
    expect(second.split(';')[0]).not.toBe(first);
    expect((await request(app).get('/dashboard/api/session').set(header).set('cookie', first)).status).toBe(401);
  });

  it('holds at most max_sessions sessions, dropping the least recently used', async () => {
    build({ maxSessions: 2 });
    const first = await logIn(masterKey);
    await logIn(masterKey);
    await logIn(masterKey);
    expect((await request(app).get('/dashboard/api/session').set(header).set('cookie', first)).status).toBe(401);
  });

  it('one virtual key logging in again and again logs nobody else out: it loses its own oldest sessions', async () => {
    build({ maxSessions: 20 });
    const flooder = await createVirtualKey('flooder');
    const other = await createVirtualKey('other');
    const admin = await logIn(masterKey);
    const otherSession = await logIn(other.secret);
    const flood: string[] = [];
    for (let login = 0; login < 50; login++) flood.push(await logIn(flooder.secret));
    const session = (cookie: string) => request(app).get('/dashboard/api/session').set(header).set('cookie', cookie);
    expect((await session(admin)).body).toMatchObject({ role: 'admin' });
    expect((await request(app).get('/dashboard/api/admin/keys').set(header).set('cookie', admin)).status).toBe(200);
    expect((await session(otherSession)).body).toMatchObject({ role: 'self', key_id: other.key.id });
    // The flooder keeps its ten newest sessions.
    for (const cookie of flood.slice(0, 40)) expect((await session(cookie)).status).toBe(401);
    for (const cookie of flood.slice(40)) expect((await session(cookie)).body).toMatchObject({ role: 'self', key_id: flooder.key.id });
  });
});

describe('dashboard sessions are bounded in number and in time (docs/dashboard.md)', () => {
  const session = (cookie: string) => request(app).get('/dashboard/api/session').set(header).set('cookie', cookie);
  const later = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };

  it('many virtual keys logging in hold at most max_sessions virtual-key sessions, the least recently used ending first, and the master key\'s stay', async () => {
    build({ maxSessions: 5 });
    const holders = [];
    for (let key = 0; key < 8; key++) holders.push(await createVirtualKey(`key-${key}`));
    const admins = [await logIn(masterKey), await logIn(masterKey)];
    const first = await logIn(holders[0]!.secret);
    const flood: string[] = [];
    for (const holder of holders.slice(1, 5)) flood.push(await logIn(holder.secret));
    // Five held: the first is used, so the next three logins end the flood's three oldest instead.
    expect((await session(first)).status).toBe(200);
    for (const holder of holders.slice(5)) flood.push(await logIn(holder.secret));
    const statuses = [];
    for (const cookie of [first, ...flood]) statuses.push((await session(cookie)).status);
    expect(statuses).toEqual([200, 401, 401, 401, 200, 200, 200, 200]);
    for (const cookie of admins) expect((await session(cookie)).body).toMatchObject({ role: 'admin' });
  });

  it('a virtual key holds at most max_sessions_per_key sessions: its own oldest ends', async () => {
    build({ maxSessions: 100, maxSessionsPerKey: 2 });
    const mine = await createVirtualKey('mine');
    const [first, second, third] = [await logIn(mine.secret), await logIn(mine.secret), await logIn(mine.secret)];
    expect((await session(first!)).status).toBe(401);
    for (const cookie of [second!, third!]) expect((await session(cookie)).body).toMatchObject({ role: 'self', key_id: mine.key.id });
  });

  it('a session unused for session_ttl_ms ends, on the dashboard\'s clock; one in use goes on', async () => {
    build({ ttlMs: 60_000 });
    const mine = await createVirtualKey('mine');
    const [idleAdmin, usedAdmin, idleKey, usedKey] = [await logIn(masterKey), await logIn(masterKey), await logIn(mine.secret), await logIn(mine.secret)];
    for (let step = 0; step < 3; step++) {
      later(40_000);
      for (const cookie of [usedAdmin!, usedKey!]) expect((await session(cookie)).status).toBe(200);
    }
    for (const cookie of [idleAdmin!, idleKey!]) {
      const answer = await session(cookie);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('session_required');
    }
    later(60_000);
    for (const cookie of [usedAdmin!, usedKey!]) expect((await session(cookie)).status).toBe(401);
    // Logging in again opens a new one.
    expect((await session(await logIn(mine.secret))).status).toBe(200);
  });

  it('a session used all the time still ends session_max_lifetime_ms after its login, on the dashboard\'s clock', async () => {
    build({ ttlMs: 60_000, maxLifetimeMs: 200_000 });
    const mine = await createVirtualKey('mine');
    const [admin, own] = [await logIn(masterKey), await logIn(mine.secret)];
    // Used every 40 s, never idle long enough to end: before, it went on for as long as it was used.
    for (let step = 0; step < 4; step++) {
      later(40_000);
      for (const cookie of [admin!, own!]) expect((await session(cookie)).status).toBe(200);
    }
    later(39_000);
    for (const cookie of [admin!, own!]) expect((await session(cookie)).status).toBe(200);
    later(1_000);
    for (const cookie of [admin!, own!]) {
      const answer = await session(cookie);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('session_required');
    }
    // Logging in again opens a new one, with a lifetime of its own.
    const again = await logIn(masterKey);
    later(40_000);
    expect((await session(again)).status).toBe(200);
  });

  it('the lifetime defaults to 7 days', async () => {
    const cookie = await logIn(masterKey);
    for (let hour = 1; hour < 7 * 24; hour++) {
      later(3_600_000);
      expect((await session(cookie)).status, `hour ${hour}`).toBe(200);
    }
    later(3_600_000);
    expect((await session(cookie)).status).toBe(401);
  });

  it('an ended session stays ended when the clock goes back', async () => {
    build({ ttlMs: 60_000 });
    const cookie = await logIn(masterKey);
    later(61_000);
    expect((await session(cookie)).status).toBe(401);
    later(-61_000);
    expect((await session(cookie)).status).toBe(401);
  });

  it('logging in and using a session set no timer of the session\'s lifetime (expiry is read on use, no timer per session)', async () => {
    const ttlMs = 7_654_321;
    build({ ttlMs });
    const lifetimeTimers = [vi.spyOn(globalThis, 'setTimeout'), vi.spyOn(globalThis, 'setInterval')];
    try {
      for (let login = 0; login < 20; login++) expect((await session(await logIn(masterKey))).status).toBe(200);
      // A store whose entries purge themselves (lru-cache's ttlAutopurge) sets one such timer per session.
      const delays = lifetimeTimers.flatMap((spy) => spy.mock.calls.map((call) => Number(call[1] ?? 0)));
      expect(delays.filter((delay) => delay >= ttlMs)).toEqual([]);
    } finally {
      for (const spy of lifetimeTimers) spy.mockRestore();
    }
  });
});

describe('a virtual key\'s session', () => {
  it('sees its own view only, never the admin API, and ends when the key is revoked', async () => {
    const mine = await createVirtualKey('mine');
    const other = await createVirtualKey('other');
    await ledger.append([
      usageRecord({ at: '2026-11-27T11:00:00Z', keyId: mine.key.id, costUsd: 0.25, provider: 'openai', model: 'gpt-4o' }),
      usageRecord({ at: '2026-11-27T11:30:00Z', keyId: other.key.id, costUsd: 7 }),
    ]);
    const cookie = await logIn(mine.secret);
    expect((await request(app).get('/dashboard/api/session').set(header).set('cookie', cookie)).body).toEqual({ role: 'self', key_id: mine.key.id, health_path: '/health' });
    const view = await request(app).get('/dashboard/api/me').set(header).set('cookie', cookie);
    expect(view.status).toBe(200);
    expect(view.body.key.id).toBe(mine.key.id);
    expect(view.body.totals.cost_usd).toBe(0.25);
    expect(JSON.stringify(view.body)).not.toContain(other.key.id);
    for (const path of ['/dashboard/api/admin/keys', '/dashboard/api/admin/usage', '/dashboard/api/admin/requests']) {
      expect((await request(app).get(path).set(header).set('cookie', cookie)).status).toBe(401);
    }

    const admin = await logIn(masterKey);
    await request(app).post(`/dashboard/api/admin/keys/${mine.key.id}/revoke`).set(header).set('cookie', admin).send({});
    const revoked = await request(app).get('/dashboard/api/me').set(header).set('cookie', cookie);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe('key_revoked');
    // The session is gone with the key.
    expect((await request(app).get('/dashboard/api/session').set(header).set('cookie', cookie)).status).toBe(401);
  });

  // GET /session answered a revoked key's session 200 { role: 'self' } until the page happened to call /me.
  it.each([
    ['revoked', (id: string, admin: string) => request(app).post(`/dashboard/api/admin/keys/${id}/revoke`).set(header).set('cookie', admin).send({})],
    ['rotated without grace', (id: string, admin: string) => request(app).post(`/dashboard/api/admin/keys/${id}/rotate`).set(header).set('cookie', admin).send({})],
  ])('GET /session of a key %s answers 401 and ends the session', async (_change, change) => {
    const mine = await createVirtualKey('mine');
    const cookie = await logIn(mine.secret);
    expect((await change(mine.key.id, await logIn(masterKey))).status).toBe(200);
    const session = await request(app).get('/dashboard/api/session').set(header).set('cookie', cookie);
    expect(session.status).toBe(401);
    expect(session.body.error).toMatchObject({ type: expect.any(String), param: null, code: expect.any(String) });
    // Ended: the next call finds no session at all.
    expect((await request(app).get('/dashboard/api/me').set(header).set('cookie', cookie)).body.error.code).toBe('session_required');
  });

  it('reads its view at most 30 times a minute per key, whatever its sessions: then 429 with Retry-After, the ledger not read', async () => {
    const mine = await createVirtualKey('mine');
    const other = await createVirtualKey('other');
    let ledgerReads = 0;
    const query = ledger.query.bind(ledger);
    ledger.query = (...args) => {
      ledgerReads++;
      return query(...args);
    };
    const cookie = await logIn(mine.secret);
    const view = (session: string) => request(app).get('/dashboard/api/me').set(header).set('cookie', session);
    for (let read = 0; read < 30; read++) expect((await view(cookie)).status).toBe(200);
    const readsAllowed = ledgerReads;
    const refused = await view(cookie);
    expect(refused.status).toBe(429);
    // One comes back every 2 s (30 a minute); the dashboard's clock has not moved.
    expect(refused.headers['retry-after']).toBe('2');
    expect(refused.body).toEqual({
      error: {
        message: "This key's dashboard sessions read their view at most 30 times a minute; try again in 2s.",
        type: 'rate_limit_error',
        code: 'rate_limit_exceeded',
        param: null,
      },
    });
    expect(ledgerReads).toBe(readsAllowed);
    // Logging in again gets no fresh bucket; another key's session has its own.
    expect((await view(await logIn(mine.secret))).status).toBe(429);
    expect((await view(await logIn(other.secret))).status).toBe(200);
    now = new Date(start.getTime() + 2000);
    expect((await view(cookie)).status).toBe(200);
    expect((await view(cookie)).status).toBe(429);
  });

  it('a rotation without grace ends sessions opened with the old secret', async () => {
    const mine = await createVirtualKey('mine');
    const cookie = await logIn(mine.secret);
    const admin = await logIn(masterKey);
    const rotated = await request(app).post(`/dashboard/api/admin/keys/${mine.key.id}/rotate`).set(header).set('cookie', admin).send({});
    expect(rotated.status).toBe(200);
    expect((await request(app).get('/dashboard/api/me').set(header).set('cookie', cookie)).status).toBe(401);
  });

  it('answers a store failure with 503 store_unavailable, not a crash', async () => {
    const cookie = await logIn(masterKey);
    ledger.query = async () => {
      const { GatewayError } = await import('@switchyard/core');
      throw new GatewayError('store_unavailable', 'The usage store did not answer in time.');
    };
    const response = await request(app).get('/dashboard/api/admin/usage').set(header).set('cookie', cookie);
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('store_unavailable');
  });
});
