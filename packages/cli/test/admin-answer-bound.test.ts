import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/run-cli.js';
import { callAdmin, maxAnswerBytes } from '../src/admin-client.js';
import { CliError } from '../src/cli-error.js';

/**
 * The CLI read an admin answer whole, bounded only by its 30 s deadline: whatever answered
 * at --url (a proxy, another service, a broken gateway) could stream a body into its memory
 * until then. It now reads at most `maxAnswerBytes` (64 MiB) and fails with one line.
 */
const masterKey = 'sy-master-cli-answer-bound-0123456789';
let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

/** A peer answering 200 with a JSON body that never ends; `closed` settles when the client drops the connection. */
async function endlessPeer(): Promise<{ url: string; closed: Promise<void> }> {
  let dropped!: () => void;
  const closed = new Promise<void>((resolve) => (dropped = resolve));
  const piece = Buffer.alloc(64 * 1024, ' ');
  server = createServer((req, res) => {
    req.resume();
    res.on('close', dropped);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"data":[');
    const pump = () => {
      while (!res.destroyed && res.write(piece));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, closed };
}

/** A peer answering 200 with `body` and the headers given. */
async function peerAnswering(body: string, headers: Record<string, string> = {}): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    res.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const failureOf = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('the CLI against an admin answer without end', () => {
  it('`switchyard keys list`: stops reading at 64 MiB, drops the connection, one line on stderr, exit 1', async () => {
    const { url, closed } = await endlessPeer();
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-answer-bound-'));
    const result = await runCli(['keys', 'list'], { cwd, env: { SWITCHYARD_URL: url, SWITCHYARD_MASTER_KEY: masterKey }, timeoutMs: 60_000 });
    await closed;
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      `switchyard: the gateway at ${url} sent an answer over 64 MiB; stopped reading it. Is --url or SWITCHYARD_URL a Switchyard gateway?`,
    ]);
    expect(result.stderr).not.toContain(masterKey);
  }, 90_000);

  it('refuses an answer whose content-length is past the bound without reading it', async () => {
    const url = await peerAnswering('{}', { 'content-length': String(maxAnswerBytes + 1) });
    // The body never comes: only the declared length can have failed the call (the deadline says otherwise).
    const failure = await failureOf(callAdmin({ url, masterKey, timeoutMs: 20_000 }, 'GET', '/keys'));
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as CliError).message).toContain('sent an answer over 64 MiB');
  });

  it('reads an answer of exactly the bound whole, and fails one byte past it', async () => {
    const body = JSON.stringify({ data: ['é'.repeat(40)] }); // multi-byte characters, decoded across chunks
    const bytes = Buffer.byteLength(body);
    const url = await peerAnswering(body);
    expect((await callAdmin({ url, masterKey, maxAnswerBytes: bytes }, 'GET', '/keys')).text).toBe(body);
    const failure = await failureOf(callAdmin({ url, masterKey, maxAnswerBytes: bytes - 1 }, 'GET', '/keys'));
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as CliError).message).toBe(`the gateway at ${url} sent an answer over ${bytes - 1} bytes; stopped reading it. Is --url or SWITCHYARD_URL a Switchyard gateway?`);
  });
});
