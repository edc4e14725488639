import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { keyCacheTtlMs } from '@switchyard/policy-keys';
import { findPostgres, freshSchemaName, startTcpRelay, type TcpRelay } from '@switchyard/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const postgres = await findPostgres();

/**
 * The network under the gateway failing with a socket error other than a refusal or a
 * timeout: the interface down (ENETDOWN), the host down (EHOSTDOWN), no local port left
 * (EADDRNOTAVAIL). The kernel cannot be made to say so on loopback, so each new connection
 * to the database's port is failed with that code as `connect()` reports it; open ones are
 * reset, as a dropping network does.
 */
describe.skipIf(!postgres.available)('PostgreSQL behind a network that goes down (ENETDOWN, EHOSTDOWN, EADDRNOTAVAIL)', () => {
  const url = postgres.available ? postgres.url : '';
  const schema = freshSchemaName();
  let relay: TcpRelay;
  let gateway: TestGateway;
  let secret = '';

  beforeAll(async () => {
    const target = new URL(url);
    relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 5432) });
    gateway = await startTestGateway({
      providers: { mock: {} },
      storage: { use: 'postgres', url: relay.urlFor(url), schema, connect_timeout_ms: 500, query_timeout_ms: 1000, retry_after_seconds: 3 },
      usage: { flush_interval_ms: 50 },
      chain: ['auth', 'key-scope', 'route', 'adapter'],
    });
    const created = await fetch(`${gateway.origin}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'net' }),
    });
    expect(created.status).toBe(201);
    secret = ((await created.json()) as { secret: string }).secret;
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await gateway?.close().catch(() => {});
    await relay?.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  /** Fails every new connection to the relay's port with `code`, as a failed connect() does. */
  function failConnectionsWith(code: string) {
    const connect = net.Socket.prototype.connect;
    return vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
      const options = args[0] as { port?: unknown } | undefined;
      if (typeof options === 'object' && options !== null && Number(options.port) === relay.port) {
        const error = Object.assign(new Error(`connect ${code} 10.0.0.5:5432`), { code, syscall: 'connect' });
        process.nextTick(() => this.destroy(error));
        return this;
      }
      return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof connect);
  }

  it.each(['ENETDOWN', 'EHOSTDOWN', 'EADDRNOTAVAIL'])('%s: a key lookup and the admin API answer 503 store_unavailable with Retry-After, /health says degraded', async (code) => {
    const stub = failConnectionsWith(code);
    try {
      relay.resetAll(); // the open connections go with the network
      await sleep(keyCacheTtlMs + 100); // past the fresh-lookup cache, so the key is looked up in the database
      const chat = await fetch(`${gateway.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const keys = await fetch(`${gateway.origin}/admin/keys`, { headers: { authorization: `Bearer ${masterKey}` } });
      for (const response of [chat, keys]) {
        expect({ status: response.status, retryAfter: response.headers.get('retry-after'), error: ((await response.json()) as { error: unknown }).error }).toEqual({
          status: 503,
          retryAfter: '3',
          error: { type: 'server_error', code: 'store_unavailable', param: null, message: expect.any(String) },
        });
      }
      const health = await fetch(`${gateway.origin}/health`);
      expect(health.status).toBe(503);
      expect(((await health.json()) as { checks: { storage: unknown } }).checks.storage).toMatchObject({ healthy: false, last_error: expect.stringContaining(code) });
    } finally {
      stub.mockRestore();
    }
    // The network back: served again.
    await expect
      .poll(async () => {
        const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
        });
        await response.arrayBuffer();
        return response.status;
      }, { timeout: 10_000 })
      .toBe(200);
  });
});
