import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findPostgres, freshSchemaName } from '@switchyard/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from './support/run-cli.js';

/*
 * A PostgreSQL that goes silent (a hung host, a partition) keeps the gateway's pooled
 * connections open: pg's end() sends Terminate, half-closes and waits for the server to
 * close its side, which a silent one never does. gateway.close() resolved, "stopped" was
 * logged, the backstop timer was cleared, and the open sockets held `switchyard start`'s
 * event loop for good: the process never exited until a SIGKILL.
 */

const postgres = await findPostgres();
const masterKey = 'sy-master-silent-pg-0123456789abcd';
const connectTimeoutMs = 300;

/**
 * A relay to PostgreSQL that can go silent as a hung host does: it stops forwarding either
 * way, reads and drops what clients send, and never closes its side, not even when a client
 * half-closes (allowHalfOpen: Node would otherwise answer the client's FIN with its own).
 */
async function silenceableRelay(target: URL): Promise<{ url: string; silence(): void; close(): void }> {
  const pairs: Array<{ client: Socket; upstream: Socket }> = [];
  let silent = false;
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    client.on('error', () => {});
    if (silent) return void client.resume();
    const upstream = createConnection(Number(target.port || 5432), target.hostname);
    upstream.on('error', () => {});
    pairs.push({ client, upstream });
    client.pipe(upstream).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = new URL(target.href);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.href,
    silence() {
      silent = true;
      for (const { client, upstream } of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        upstream.pause();
        client.on('data', () => undefined).resume();
      }
    },
    close() {
      for (const { client, upstream } of pairs) (client.destroy(), upstream.destroy());
      server.close();
    },
  };
}

const running: RunningCli[] = [];
const relays: Array<{ close(): void }> = [];
afterEach(() => {
  for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
  for (const relay of relays.splice(0)) relay.close();
});

describe.skipIf(!postgres.available)('switchyard start with PostgreSQL gone silent', () => {
  it('SIGTERM: the pooled connections the silent server never sees off are dropped after connect_timeout_ms, and the process exits 0', async () => {
    const relay = await silenceableRelay(new URL(postgres.available ? postgres.url : 'postgres://x'));
    relays.push(relay);
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-silent-pg-'));
    await writeFile(
      path.join(cwd, 'switchyard.config.yaml'),
      [
        'server:',
        '  shutdown_timeout_ms: 500',
        'providers:',
        '  mock: {}',
        'usage:',
        '  flush_interval_ms: 20',
        'storage:',
        '  use: postgres',
        `  url: ${relay.url}`,
        `  schema: ${freshSchemaName()}`,
        `  connect_timeout_ms: ${connectTimeoutMs}`,
        '  query_timeout_ms: 1000',
        '',
      ].join('\n'),
    );
    const cli = await startCli(['--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey }, startTimeoutMs: 20_000 });
    running.push(cli);
    const origin = /listening on (http:\/\/[^\s"]+)/.exec(cli.stdout())![1]!;
    const answer = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(answer.status).toBe(200);
    // The request's record is written (by a pooled connection, idle afterwards) before the silence.
    await expect
      .poll(async () => ((await (await fetch(`${origin}/health`)).json()) as { checks: { usage: { written: number; pending: number } } }).checks.usage, { timeout: 10_000 })
      .toMatchObject({ written: 1, pending: 0 });

    relay.silence();
    cli.child.kill('SIGTERM');
    // Past the bound the process gives itself (shutdown_timeout_ms + 10 s), it would be the backstop's exit 1.
    const code = await Promise.race([cli.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 9000))]);
    expect(code).toBe(0);
    expect(cli.stdout()).toContain('"stopped"');
  }, 60_000);
});
