import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

let gateway: TestGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

async function start(extra: Record<string, unknown> = {}) {
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-dashboard-standalone-')) },
    storage: { use: 'sqlite' },
    usage: { flush_interval_ms: 20 },
    ...extra,
  });
  return gateway;
}

describe('the standalone server mounts the dashboard and the self view', () => {
  it('serves /dashboard by default, with its CSP, and /v1/me to a virtual key', async () => {
    const { origin } = await start();
    const page = await fetch(`${origin}/dashboard/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const login = await fetch(`${origin}/dashboard/api/session`, {
      method: 'POST',
      headers: { 'x-switchyard-dashboard': '1', 'content-type': 'application/json' },
      body: JSON.stringify({ key: masterKey }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const created = await fetch(`${origin}/dashboard/api/admin/keys`, {
      method: 'POST',
      headers: { 'x-switchyard-dashboard': '1', 'content-type': 'application/json', cookie },
      body: JSON.stringify({ name: 'holder', scope: { models: ['mock/*'] } }),
    });
    expect(created.status).toBe(201);
    const { key, secret } = (await created.json()) as { key: { id: string }; secret: string };
    const chat = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(200);
    const readMe = async () => (await (await fetch(`${origin}/v1/me`, { headers: { authorization: `Bearer ${secret}` } })).json()) as { key: { id: string }; requests: Array<{ key_id: string; model: string | null; endpoint: string }> };
    await expect.poll(async () => (await readMe()).requests.filter((request) => request.endpoint === 'chat'), { timeout: 10_000 }).toHaveLength(1);
    const me = await readMe();
    expect(me.key.id).toBe(key.id);
    expect(me.requests.filter((request) => request.endpoint === 'chat')).toEqual([expect.objectContaining({ key_id: key.id, model: 'echo' })]);
    // Each read of the view is a request of its own (no model, no cost), recorded as GET /v1/responses/{id} is.
    expect(me.requests.every((request) => request.endpoint === 'chat' || (request.endpoint === 'custom' && request.model === null))).toBe(true);
    // The master key is not a virtual key: /v1/me is not an admin back door, and says where its spend view is.
    const master = await fetch(`${origin}/v1/me`, { headers: { authorization: `Bearer ${masterKey}` } });
    expect(master.status).toBe(403);
    const refusal = (await master.json()) as { error: { code: string; message: string } };
    expect(refusal.error.code).toBe('endpoint_not_allowed');
    expect(refusal.error.message).toContain('GET /admin/usage');
  });

  it('dashboard.enabled: false leaves /dashboard unserved', async () => {
    const { origin } = await start({ dashboard: { enabled: false } });
    expect((await fetch(`${origin}/dashboard/`)).status).toBe(404);
    expect((await fetch(`${origin}/admin/usage`, { headers: { authorization: `Bearer ${masterKey}` } })).status).toBe(200);
  });

  it('dashboard.max_sessions and max_sessions_per_key bound the sessions of the master key and of one virtual key', async () => {
    const { origin } = await start({ dashboard: { max_sessions: 2, max_sessions_per_key: 1 } });
    const headers = { 'x-switchyard-dashboard': '1', 'content-type': 'application/json' };
    const logIn = async (key: string) => {
      const login = await fetch(`${origin}/dashboard/api/session`, { method: 'POST', headers, body: JSON.stringify({ key }) });
      expect(login.status).toBe(200);
      return login.headers.get('set-cookie')!.split(';')[0]!;
    };
    const status = async (cookie: string) => (await fetch(`${origin}/dashboard/api/session`, { headers: { ...headers, cookie } })).status;
    const admin = await logIn(masterKey);
    const created = await fetch(`${origin}/dashboard/api/admin/keys`, { method: 'POST', headers: { ...headers, cookie: admin }, body: JSON.stringify({ name: 'holder' }) });
    const { secret } = (await created.json()) as { secret: string };
    const [first, second] = [await logIn(secret), await logIn(secret)];
    expect([await status(first!), await status(second!)]).toEqual([401, 200]);
    const [, , third] = [await logIn(masterKey), await logIn(masterKey), await logIn(masterKey)];
    expect([await status(admin), await status(third!)]).toEqual([401, 200]);
  });

  it('server.trust_proxy: 1 counts failed logins per client behind the proxy, by X-Forwarded-For', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-dashboard-standalone-'));
    const { origin } = await start({ server: { data_dir: dataDir, trust_proxy: 1 } });
    const logIn = (key: string, client: string) =>
      fetch(`${origin}/dashboard/api/session`, {
        method: 'POST',
        headers: { 'x-switchyard-dashboard': '1', 'content-type': 'application/json', 'x-forwarded-for': client },
        body: JSON.stringify({ key }),
      });
    for (let attempt = 0; attempt < 10; attempt++) expect((await logIn(`sy-guess-${attempt}`, '203.0.113.7')).status).toBe(401);
    expect((await logIn(masterKey, '203.0.113.7')).status).toBe(429);
    expect((await logIn(masterKey, '203.0.113.8')).status).toBe(200);
  });
});
