import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findPostgres } from '@switchyard/testing';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli, type RunningCli } from './support/run-cli.js';
import { slowStream } from './support/slow-stream.js';

const masterKey = 'sy-master-signals-Pq7Rt2Vx9Lm4Kd8W';
const storagePassword = 'pg-pass-Zt5Yq1Xw8Vu3';
const postgres = await findPostgres();

const running: RunningCli[] = [];
afterEach(() => {
  for (const gateway of running.splice(0)) gateway.child.kill('SIGKILL');
});

/** One gateway process on a free port; the mock provider sends one word every 150 ms. */
async function startGateway(extraConfig = ''): Promise<{ gateway: RunningCli; port: number; cwd: string }> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-signals-'));
  await writeFile(path.join(cwd, 'switchyard.config.yaml'), `providers:\n  mock:\n    chunk_delay_ms: 150\nstorage:\n  use: sqlite\n${extraConfig}`);
  const gateway = await startCli(['--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
  running.push(gateway);
  const port = Number(/listening on http:\/\/[^:]+:(\d+)/.exec(gateway.stdout())![1]);
  return { gateway, port, cwd };
}

/** A gateway with a stream of `words` words in flight (its first chunk arrived), sent SIGINT once the drain has begun. */
async function interruptedMidStream(words: number) {
  const { gateway, port, cwd } = await startGateway();
  const inFlight = slowStream(port, masterKey, words);
  await inFlight.started;
  gateway.child.kill('SIGINT');
  await logged(gateway, 'draining requests in flight');
  return { gateway, inFlight, cwd };
}

/** The ledger's rows once the gateway has exited. */
function usageRows(cwd: string): unknown[] {
  const database = new Database(path.join(cwd, '.switchyard', 'switchyard.db'), { readonly: true });
  try {
    return database.prepare('SELECT provider, model, status, stream, output_tokens > 0 AS billed_output FROM usage').all();
  } finally {
    database.close();
  }
}

/** Resolves once the gateway has logged `line`. */
async function logged(gateway: RunningCli, line: string): Promise<void> {
  while (!gateway.stdout().includes(line)) {
    if (gateway.child.exitCode !== null) throw new Error(`exited before logging '${line}'`);
    await new Promise((resolve) => gateway.child.stdout.once('data', resolve));
  }
}

describe('switchyard start (one process): stopping on signals', () => {
  it('one Ctrl-C that arrives two or three times (the terminal, then npm and scripts/start.js passing it on) drains: the stream ends whole', async () => {
    // As `npm start` delivers one keypress: to the whole process group, then passed on by each
    // parent a moment later. (Sent back to back, the kernel would merge them into one pending signal.)
    // Sent from one place 50 ms apart, as the parents pass it on: waiting in between for the
    // drain's log line would put this process's own delays (a busy machine) inside the
    // gateway's 1 s window for "the same signal", which is not what a keypress does.
    const { gateway, port } = await startGateway();
    const inFlight = slowStream(port, masterKey, 8);
    await inFlight.started;
    for (let repeat = 0; repeat < 3; repeat++) {
      if (repeat > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      gateway.child.kill('SIGINT');
    }
    await logged(gateway, 'draining requests in flight');
    const { status, body } = await inFlight.done;
    expect(status).toBe(200);
    expect(body).toContain('w7');
    expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(await gateway.exited).toBe(0);
    expect(gateway.stdout()).not.toContain('a second signal cuts');
  }, 30_000);

  // Node resets SIGHUP to its default (die at once) even under nohup: a closed terminal or an
  // ssh session that dropped cut every stream and lost the usage records not yet written.
  it('a hangup (SIGHUP: the terminal or ssh session closed) drains as SIGTERM does: the stream ends whole, exit 0, its usage recorded', async () => {
    const { gateway, port, cwd } = await startGateway();
    const inFlight = slowStream(port, masterKey, 8);
    await inFlight.started;
    gateway.child.kill('SIGHUP');
    const { status, body } = await inFlight.done;
    expect(status).toBe(200);
    expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(await gateway.exited).toBe(0);
    expect(gateway.stdout()).toContain('draining requests in flight');
    expect(usageRows(cwd)).toEqual([{ provider: 'mock', model: 'echo', status: 200, stream: 1, billed_output: 1 }]);
  }, 30_000);

  it('a second Ctrl-C a moment later forces the stop: exit 130 without waiting for the stream, whose usage is still recorded', async () => {
    // 60 words at 150 ms: ~9 s, far longer than this test waits.
    const { gateway, inFlight, cwd } = await interruptedMidStream(60);
    // Past the window in which a repeat counts as the same signal passed on.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    gateway.child.kill('SIGINT');
    expect(await gateway.exited).toBe(130);
    expect(inFlight.finished()).toBe(false);
    expect(gateway.stdout()).toContain('a second signal cuts the requests in flight');
    await inFlight.done.catch(() => undefined);
    // The cut stream is billed for what it sent, as any stream cut short is: its record reached the ledger before the exit.
    expect(usageRows(cwd)).toEqual([{ provider: 'mock', model: 'echo', status: 499, stream: 1, billed_output: 1 }]);
  }, 30_000);

  it('a second Ctrl-C during server.drain_delay_ms ends the delay too: exit 130 at once, the stream recorded', async () => {
    const { gateway, port, cwd } = await startGateway('server:\n  drain_delay_ms: 20000\n');
    const inFlight = slowStream(port, masterKey, 60);
    await inFlight.started;
    gateway.child.kill('SIGINT');
    await logged(gateway, 'refusing new requests with 503 before closing the port');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    gateway.child.kill('SIGINT');
    expect(await gateway.exited).toBe(130);
    // The stop ran to its end (the last records written, "stopped"), not cut short by the forced stop's own bound.
    expect(gateway.stdout()).toContain('"msg":"stopped"');
    expect(gateway.stdout()).not.toContain('exiting without them');
    await inFlight.done.catch(() => undefined);
    expect(usageRows(cwd)).toEqual([{ provider: 'mock', model: 'echo', status: 499, stream: 1, billed_output: 1 }]);
  }, 40_000);

  it('a storage it cannot reach at start: one line naming the reason, exit 1, no stack trace, no password', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-signals-storage-'));
    // Port 1 on loopback: refused at once.
    await writeFile(path.join(cwd, 'switchyard.config.yaml'), `storage:\n  use: postgres\n  url: postgres://gateway:${storagePassword}@127.0.0.1:1/switchyard\n`);
    const { code, stdout, stderr } = await runCli(['start', '--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^switchyard: could not start: the storage cannot be reached: .*ECONNREFUSED/)]);
    expect(stderr).not.toMatch(/\n\s+at /);
    for (const secret of [storagePassword, masterKey]) expect(stdout + stderr).not.toContain(secret);
  }, 30_000);

  it('a storage host that takes the connection and never answers at start: one line saying where and after how long, exit 1', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-signals-storage-'));
    // Takes connections and never says a word: a blackholed or hung database host.
    const taken = new Set<Socket>();
    const silent = createServer((socket) => taken.add(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as AddressInfo;
    try {
      await writeFile(path.join(cwd, 'switchyard.config.yaml'), `storage:\n  use: postgres\n  url: postgres://gateway:${storagePassword}@127.0.0.1:${port}/switchyard\n  connect_timeout_ms: 300\n`);
      const { code, stdout, stderr } = await runCli(['start', '--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([`switchyard: could not start: the storage cannot be reached: timeout expired: no connection to 127.0.0.1:${port} within 300 ms (connect_timeout_ms)`]);
      for (const secret of [storagePassword, masterKey]) expect(stdout + stderr).not.toContain(secret);
    } finally {
      for (const socket of taken) socket.destroy();
      silent.close();
    }
  }, 30_000);

  it.skipIf(!postgres.available)('a storage that refuses the login at start (no such role): one line with the database\'s reason, exit 1, no stack trace, no password', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-signals-storage-'));
    const url = new URL(postgres.available ? postgres.url : 'postgres://x');
    url.username = 'switchyard_no_such_role';
    url.password = storagePassword;
    await writeFile(path.join(cwd, 'switchyard.config.yaml'), `storage:\n  use: postgres\n  url: ${url.href}\n`);
    const { code, stdout, stderr } = await runCli(['start', '--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
    expect(code).toBe(1);
    // The server's words differ by its auth method: no such role, or a failed password check for it.
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^switchyard: could not start: the storage refused: .*"switchyard_no_such_role"/)]);
    expect(stderr).not.toMatch(/\n\s+at /);
    for (const secret of [storagePassword, masterKey]) expect(stdout + stderr).not.toContain(secret);
  }, 30_000);
});
