import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A key's `scope.models` patterns are matched against model names, which are visible
 * ASCII without spaces (docs/limits.md). A pattern with a space (`" mock/echo "`, a
 * list pasted as one `"mock/echo, openai/*"`) or a letter outside ASCII (a Cyrillic
 * `е` pasted for `e`) can match no name: it was stored, and the key answered 403 to
 * every call as though the scope were right. Such a pattern is refused when written.
 */
let gateway: TestGateway;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-model-patterns-'));
  gateway = await startTestGateway({ server: { data_dir: dataDir }, storage: { use: 'sqlite' }, providers: { mock: { models: ['echo'] } } });
});
afterAll(async () => {
  await gateway.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function admin(method: string, route: string, body: unknown) {
  const response = await fetch(`${gateway.origin}/admin${route}`, {
    method,
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { key?: { id: string }; secret?: string; error?: { code: string; param: string | null; message: string } } };
}

describe('scope.models patterns that can match no model name', () => {
  it.each([
    ['spaces around it', ' mock/echo '],
    ['a list pasted as one', 'mock/echo, openai/*'],
    ['a Cyrillic letter', 'mock/\u0435cho'],
    ['a no-break space', 'mock/echo\u00a0'],
  ])('%s → 400 naming the pattern, on create and on update', async (_, pattern) => {
    const created = await admin('POST', '/keys', { name: 'patterns', scope: { models: ['mock/*', pattern] } });
    expect(created.status, JSON.stringify(created.body)).toBe(400);
    expect(created.body.error).toMatchObject({ code: 'invalid_request', param: 'scope.models[1]' });

    const key = await admin('POST', '/keys', { name: 'patterns' });
    const updated = await admin('PATCH', `/keys/${key.body.key!.id}`, { scope: { models: [pattern] } });
    expect(updated.status, JSON.stringify(updated.body)).toBe(400);
    expect(updated.body.error).toMatchObject({ code: 'invalid_request', param: 'scope.models[0]' });
  });

  it('exact names, provider wildcards and globs are still taken, and the key reaches what they name', async () => {
    const created = await admin('POST', '/keys', { name: 'patterns', scope: { models: ['mock/echo', 'openai/*', '*-mini', 'fast'] } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const call = await fetch(`${gateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.body.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(call.status).toBe(200);
  });
});
