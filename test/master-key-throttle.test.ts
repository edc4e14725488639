import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// The master key opens /admin/* and (by default) /v1/*. A weak one could be guessed as fast as
// the network allows there, while the dashboard's login allowed 10 wrong keys a minute per address.

let gateway: TestGateway | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

const staticKey = 'sy-static-key-for-the-throttle-test';

async function start(): Promise<TestGateway> {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-master-throttle-'));
  gateway = await startTestGateway({
    server: { data_dir: dataDir },
    storage: { use: 'sqlite' },
    providers: { mock: {} },
    chain: [{ auth: { keys: [{ name: 'static', key: staticKey }] } }, 'route', 'adapter'],
  });
  return gateway;
}

async function call(origin: string, route: string, key: string): Promise<{ status: number; code: string | undefined }> {
  const response =
    route === '/admin/keys'
      ? await fetch(`${origin}${route}`, { headers: { authorization: `Bearer ${key}` } })
      : await fetch(`${origin}${route}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
        });
  const body = (await response.json()) as { error?: { code: string } };
  return { status: response.status, code: body.error?.code };
}

describe('wrong master keys are throttled per client address', () => {
  it('/admin/*: ten wrong keys a minute are 401, then every key from that address is 429, the master key too', async () => {
    const { origin } = await start();
    expect((await call(origin, '/admin/keys', masterKey)).status).toBe(200);
    const guesses = [];
    for (let index = 0; index < 12; index++) guesses.push((await call(origin, '/admin/keys', `sy-master-guess-${index}`)).status);
    console.log(`/admin guesses: ${guesses.join(' ')}`);
    expect(guesses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(guesses.slice(10)).toEqual([429, 429]);
    // The right key is refused too: else the throttle would tell a guesser when it found it.
    expect(await call(origin, '/admin/keys', masterKey)).toEqual({ status: 429, code: 'too_many_logins' });
  });

  it('/admin/*: guesses sent all at once count too', async () => {
    const { origin } = await start();
    const answers = await Promise.all(Array.from({ length: 30 }, (_, index) => call(origin, '/admin/keys', `sy-master-guess-${index}`)));
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(10);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(20);
  });

  it('/v1/*: ten wrong keys are 401, then the master key is 429 from that address; config and virtual keys are served as before', async () => {
    const { origin } = await start();
    const created = await fetch(`${origin}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'tenant' }),
    });
    expect(created.status).toBe(201);
    const virtualKey = ((await created.json()) as { secret: string }).secret;
    expect((await call(origin, '/v1/chat/completions', masterKey)).status).toBe(200);
    const guesses = [];
    for (let index = 0; index < 12; index++) guesses.push((await call(origin, '/v1/chat/completions', `sy-master-guess-${index}`)).status);
    console.log(`/v1 guesses: ${guesses.join(' ')}`);
    expect(guesses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(guesses.slice(10)).toEqual([429, 429]);
    expect(await call(origin, '/v1/chat/completions', masterKey)).toEqual({ status: 429, code: 'too_many_logins' });
    expect((await call(origin, '/v1/chat/completions', virtualKey)).status).toBe(200);
    expect((await call(origin, '/v1/chat/completions', staticKey)).status).toBe(200);
  });
});
