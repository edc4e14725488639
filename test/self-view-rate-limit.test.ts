import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestRecord } from '@switchyard/core';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// GET /v1/me reads the ledger three times (30 days by default): like GET /v1/responses/{id},
// it is a request with no tokens, counted against the key's, its team's and the global
// request limits, so a valid key cannot load the store faster than its rpm allows.

let gateway: TestGateway;
const records: RequestRecord[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-self-view-')) },
    storage: { use: 'sqlite' },
    providers: { mock: {} },
    prices: { 'mock/echo': { input: 1, output: 1 } },
    usage: { flush_interval_ms: 50 },
    chain: ['auth', 'key-scope', { 'rate-limit': { limits: { teams: { crowded: { rpm: 2 } } } } }, 'route', 'adapter'],
  });
  gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
});
afterAll(() => gateway.close());

async function createKey(fields: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const response = await fetch(`${gateway.origin}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `self-${Math.random().toString(36).slice(2, 10)}`, ...fields }),
  });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { key: { id: string }; secret: string };
  return { id: body.key.id, secret: body.secret };
}

async function call(method: string, route: string, key: string | undefined, body?: unknown) {
  const response = await fetch(`${gateway.origin}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: () => JSON.parse(text) as Record<string, any> };
}

const me = (key: string | undefined) => call('GET', '/v1/me', key);
const chat = (key: string) => call('POST', '/v1/chat/completions', key, { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });

describe('GET /v1/me under the key\'s request limits', () => {
  it('counts each view as a request: the third within a minute at rpm 2 is 429 with Retry-After, in OpenAI\'s shape', async () => {
    const key = await createKey({ scope: { rpm: 2 } });
    const first = await me(key.secret);
    expect(first.status).toBe(200);
    expect(first.json()).toMatchObject({ key: { id: key.id } });
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect((await me(key.secret)).status).toBe(200);
    const third = await me(key.secret);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(third.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(third.json()).toEqual({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: expect.any(String), param: null } });
  });

  it('shares one budget with the model calls: a chat call after two views is refused', async () => {
    const key = await createKey({ scope: { rpm: 2 } });
    expect((await me(key.secret)).status).toBe(200);
    expect((await me(key.secret)).status).toBe(200);
    expect((await chat(key.secret)).status).toBe(429);
  });

  it("counts against the key's team's limit too", async () => {
    const first = await createKey({ team: 'crowded' });
    const second = await createKey({ team: 'crowded' });
    expect((await me(first.secret)).status).toBe(200);
    expect((await chat(second.secret)).status).toBe(200);
    expect((await me(second.secret)).status).toBe(429);
  });

  it('records each view in the ledger as a request with no model and no cost, as GET /v1/responses/{id} is', async () => {
    const key = await createKey({});
    expect((await me(key.secret)).status).toBe(200);
    await expect.poll(() => records.find((record) => record.keyId === key.id)).toMatchObject({ endpoint: 'custom', status: 200, costUsd: 0 });
    await expect
      .poll(async () => (await me(key.secret)).json()['requests'] as unknown[], { timeout: 10_000 })
      .toContainEqual(expect.objectContaining({ endpoint: 'custom', model: null }));
  });

  it("keeps a key limited to chat able to read its own view (the key's endpoint scope does not apply)", async () => {
    const key = await createKey({ scope: { endpoints: ['chat'] } });
    expect((await me(key.secret)).status).toBe(200);
  });

  it("keeps the master key's 403 and an unknown or missing key's 401", async () => {
    const master = await me(masterKey);
    expect(master.status).toBe(403);
    expect(master.json()).toMatchObject({ error: { code: 'endpoint_not_allowed' } });
    const unknown = await me('sy-not-a-key-0123456789abcdef');
    expect(unknown.status).toBe(401);
    expect(unknown.json()).toMatchObject({ error: { code: 'invalid_api_key', message: 'The API key is not valid.' } });
    const missing = await me(undefined);
    expect(missing.status).toBe(401);
    expect(missing.json()).toMatchObject({ error: { code: 'missing_api_key' } });
  });
});

describe('gateway.guard on a route of an embedding app', () => {
  it('authenticates and counts a handler that answers with res.json, its headers and 429 as /v1/me has them', async () => {
    const key = await createKey({ scope: { rpm: 1 } });
    const app = express().use('/mine', gateway.gateway.guard((_req, res) => void res.json({ mine: true })));
    const server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const get = (secret?: string) => fetch(`${origin}/mine`, { headers: secret ? { authorization: `Bearer ${secret}` } : {} });
      const first = await get(key.secret);
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual({ mine: true });
      expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      expect(first.headers.get('x-request-id')).toBeTruthy();
      const second = await get(key.secret);
      expect(second.status).toBe(429);
      expect(second.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(await second.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
      const anonymous = await get();
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ error: { code: 'missing_api_key' } });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
