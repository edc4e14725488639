import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { availableCores, cgroupCpuQuota, MAX_WORKERS, maxWorkers, resolveWorkerCount } from '../packages/cli/src/cluster/resolve-worker-count.js';
import { CliError } from '../packages/cli/src/cli-error.js';
import { childOutput, occurrences, processMarkers, replaceOneWorker } from './support/marked-processes.js';
import { portOutsideEphemeralRange } from '@switchyard/testing';
import { cliPath, runCli, startCli, type RunningCli } from './support/run-cli.js';
import { slowStream } from './support/slow-stream.js';

const masterKey = 'sy-master-edges-Vq3Lx9Tz2Kw7Rb5N';
const providerKey = 'sk-proj-edges-Hd8Jf2Mq6Wz1Xc4Vb7Np0';
const primaryModule = pathToFileURL(path.join(path.dirname(cliPath), 'cluster', 'run-cluster-primary.js')).href;
const coreModule = pathToFileURL(path.resolve(path.dirname(cliPath), '../../core/dist/index.js')).href;

/** Every test's processes carry a marker of their own: the primary and each worker, orphaned or not. */
const marked = processMarkers('SWITCHYARD_EDGE_RUN');

// Whatever a test leaves running (it failed half-way), killed here, workers included.
afterEach(marked.killLeftovers);

/** A config folder: the mock streams one word per `chunk_delay_ms`; a provider key that must never be printed. */
async function configFolder(extra = ''): Promise<string> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-workers-edges-'));
  await writeFile(
    path.join(cwd, 'switchyard.config.yaml'),
    `providers:\n  mock:\n    chunk_delay_ms: 150\n  openai:\n    api_key: ${providerKey}\nstorage:\n  use: sqlite\n${extra}`,
  );
  return cwd;
}

async function startCluster(cwd: string, env: Record<string, string>, extra: { nodeFlags?: string[]; ready?: string } = {}): Promise<RunningCli> {
  return startCli(['--port', '0', '--workers', '2'], {
    cwd,
    env: { SWITCHYARD_MASTER_KEY: masterKey, ...env },
    ready: extra.ready ?? 'with 2 workers',
    startTimeoutMs: 60_000,
    ...(extra.nodeFlags !== undefined && { nodeFlags: extra.nodeFlags }),
  });
}

const portOf = (gateway: RunningCli) => Number(/listening on port (\d+) with 2 workers/.exec(gateway.stdout())![1]);

/** Resolves with the connect error's code, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

function expectNoSecrets(...texts: string[]): void {
  for (const text of texts) {
    for (const secret of [masterKey, providerKey, masterKey.slice(-12), providerKey.slice(-12)]) expect(text).not.toContain(secret);
  }
}

describe('--workers and server.workers: odd values are refused in one line, before anything starts', () => {
  it('resolveWorkerCount takes a whole number from 1 to 256 or `auto`, nothing else', () => {
    const manyCores = () => 64;
    expect(resolveWorkerCount(undefined)).toBe(1);
    expect(resolveWorkerCount('1')).toBe(1);
    expect(resolveWorkerCount('256', manyCores)).toBe(MAX_WORKERS);
    expect(resolveWorkerCount(3, manyCores)).toBe(3);
    expect(resolveWorkerCount('auto', () => 8)).toBe(8);
    // `auto` is bounded too, and at least one.
    expect(resolveWorkerCount('auto', () => 4096)).toBe(MAX_WORKERS);
    expect(resolveWorkerCount('auto', () => 0)).toBe(1);
    for (const value of [0, -1, 1.5, 1e309, Number.NaN, 257, '0', '-1', '1.5', '1e309', '1e3', 'abc', '', ' 2', '2 ', 'AUTO', ' auto', '100000', '257', '0x2', '+2', '１']) {
      let thrown: unknown;
      try {
        resolveWorkerCount(value, manyCores);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, `--workers ${JSON.stringify(value)}`).toBeInstanceOf(CliError);
      expect((thrown as CliError).exitCode).toBe(2);
      expect((thrown as CliError).message).toMatch(/^--workers must be 'auto' or a whole number from 1 to 256, got '/);
    }
  });

  it('a count is bounded by the cores too: at most 4 per core this process may use (and 256)', () => {
    expect(maxWorkers(2)).toBe(8);
    expect(maxWorkers(0)).toBe(4);
    expect(maxWorkers(1000)).toBe(MAX_WORKERS);
    expect(resolveWorkerCount('8', () => 2)).toBe(8);
    expect(resolveWorkerCount(16, () => 4)).toBe(16);
    for (const [value, cores] of [['9', 2], [256, 2], ['5', 1], [17, 4]] as const) {
      let thrown: unknown;
      try {
        resolveWorkerCount(value, () => cores);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, `--workers ${value} on ${cores} cores`).toBeInstanceOf(CliError);
      expect((thrown as CliError).exitCode).toBe(2);
      expect((thrown as CliError).message).toBe(`--workers must be 'auto' or a whole number from 1 to ${4 * cores} (4 per core, ${cores} here), got '${value}'`);
    }
  });

  it("`auto` counts the cores within a container's CPU limit (cgroup v2 or v1), not every core of the host", () => {
    const files = (entries: Record<string, string>) => (file: string) => entries[file];
    const v1 = (quota: string) => files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': `${quota}\n`, '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' });
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '200000 100000\n' }))).toBe(2);
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' }))).toBe(1);
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '50000 100000\n' }))).toBe(1);
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' }))).toBeUndefined();
    expect(cgroupCpuQuota(v1('300000'))).toBe(3);
    expect(cgroupCpuQuota(v1('-1'))).toBeUndefined();
    expect(cgroupCpuQuota(files({}))).toBeUndefined();
    // A 64-core host, a 2-CPU container: 2 workers, not 64.
    expect(availableCores(64, 2)).toBe(2);
    expect(availableCores(4, 8)).toBe(4);
    expect(availableCores(4, undefined)).toBe(4);
    expect(resolveWorkerCount('auto', () => availableCores(64, 2))).toBe(2);
  });

  it('switchyard start --workers=<odd> exits 2 with one line, no stack trace, nothing written, no process left', async () => {
    // One past this machine's bound (256 on 2 cores took minutes of forks and ~20 GB): refused before a single fork.
    const cores = availableCores();
    const limit = maxWorkers(cores);
    const bound = limit < MAX_WORKERS ? ` (4 per core, ${cores} here)` : '';
    const values = ['0', '-1', '1.5', '1e309', 'abc', '', '100000', 'AUTO', ' 2', String(limit + 1)];
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-workers-values-'));
    const env = marked.next();
    // One at a time, as the YAML test below: ten CLIs loading at once on a busy 2-core machine each
    // took longer than runCli waits for one.
    for (const value of values) {
      const result = await runCli(['start', '--port', '0', `--workers=${value}`], { cwd, env: { ...env, SWITCHYARD_MASTER_KEY: masterKey } });
      expect(result.code, `--workers=${value}`).toBe(2);
      expect(result.stderr).toBe(`switchyard: --workers must be 'auto' or a whole number from 1 to ${limit}${bound}, got '${value}'\n`);
      expect(result.stdout).toBe('');
    }
    expect(existsSync(path.join(cwd, '.switchyard'))).toBe(false);
    expect(marked.pids(env)).toEqual([]);
  }, 240_000);

  it('server.workers: <odd> in the YAML is a config problem (exit 1, file and line), no stack trace', async () => {
    // One at a time: seven CLIs loading at once on a busy 2-core machine took longer than runCli waits for one.
    for (const value of ['0', '-1', '1.5', '1e309', '100000', 'AUTO', '""']) {
      const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-workers-yaml-'));
      await writeFile(path.join(cwd, 'switchyard.config.yaml'), `server:\n  workers: ${value}\n`);
      const result = await runCli(['start', '--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
      expect(result.code, `workers: ${value}`).toBe(1);
      expect(result.stderr).toMatch(/switchyard\.config\.yaml:2 server\.workers: /);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  }, 120_000);
});

describe('switchyard start --workers 2: stopping', () => {
  it('SIGTERM while the workers still load: they stop, and the primary exits 0 (not "did not stop cleanly")', async () => {
    const cwd = await configFolder();
    const env = marked.next();
    // Workers that stay in their loading phase, before start.ts has its signal handlers in place.
    const preload = path.join(cwd, 'still-loading.mjs');
    await writeFile(
      preload,
      `import cluster from 'node:cluster';
       if (cluster.isWorker) {
         process.stdout.write('worker ' + cluster.worker.id + ' still loading\\n');
         setInterval(() => undefined, 60_000);
         await new Promise(() => undefined);
       }`,
    );
    const gateway = await startCluster(cwd, env, { nodeFlags: ['--import', preload], ready: 'starting 2 workers' });
    const stdout = gateway.stdout;
    await childOutput(gateway.child, () => stdout().includes('worker 1 still loading') && stdout().includes('worker 2 still loading'), 'both workers load');
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect(stdout()).toMatch(/"msg":"stopped"/);
    expect(stdout()).not.toMatch(/did not stop cleanly/);
    expect(marked.pids(env)).toEqual([]);
  }, 60_000);

  it('SIGTERM while the workers wait for their listen: each stops at once, exit 0 (no hang until the stop timeout)', async () => {
    // shutdown_timeout_ms 0: a worker that does not stop is killed after the 10 s margin, well within the test.
    const cwd = await configFolder('server:\n  shutdown_timeout_ms: 0\n');
    const env = marked.next();
    // Holds the primary's answer to a worker's listen() until the worker has run its SIGTERM handler
    // (node:cluster's internal reply to `queryServer`: { cmd: 'NODE_CLUSTER', ack, errno, key, … }).
    const preload = path.join(cwd, 'hold-listen.mjs');
    await writeFile(
      preload,
      `import cluster from 'node:cluster';
       if (cluster.isWorker) {
         const emit = process.emit;
         let release;
         process.emit = function (event, message, ...rest) {
           if (release === undefined && event === 'internalMessage' && message?.cmd === 'NODE_CLUSTER' && message.ack !== undefined && 'errno' in message) {
             release = () => emit.call(process, event, message, ...rest);
             process.stdout.write('worker ' + cluster.worker.id + ' listen held\\n');
             return true;
           }
           return emit.call(this, event, message, ...rest);
         };
         process.on('SIGTERM', () => setImmediate(() => release?.()));
       }`,
    );
    const gateway = await startCluster(cwd, env, { nodeFlags: ['--import', preload], ready: 'starting 2 workers' });
    const stdout = gateway.stdout;
    await childOutput(gateway.child, () => stdout().includes('worker 1 listen held') && stdout().includes('worker 2 listen held'), 'both workers to listen');
    const signalled = Date.now();
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(8000);
    expect(stdout()).not.toMatch(/did not stop in time/);
    expect(marked.pids(env)).toEqual([]);
  }, 60_000);

  it('SIGTERM with a stream in flight: the stream ends whole, new connections are refused, more signals change nothing, exit 0; no secret is printed', async () => {
    const cwd = await configFolder();
    const env = marked.next();
    const gateway = await startCluster(cwd, env);
    const stdout = gateway.stdout;
    const port = portOf(gateway);
    // A replaced worker logs its exit: that line, like every other, carries no secret.
    await replaceOneWorker(gateway, marked.pids(env));

    const inFlight = slowStream(port, masterKey, 16);
    await inFlight.started;
    gateway.child.kill('SIGTERM');
    await childOutput(gateway.child, () => occurrences(stdout(), 'shutting down: draining requests in flight') === 2, 'both workers to drain');
    // The workers have let go of the port; once the primary has too, a new connection is refused.
    let refused = await tryConnect(port);
    while (refused !== 'ECONNREFUSED' && !inFlight.finished()) refused = await tryConnect(port);
    expect(refused).toBe('ECONNREFUSED');
    expect(inFlight.finished()).toBe(false);
    // A second signal (a supervisor's, or npm start's forwarded Ctrl-C) neither kills the primary nor cuts the stream.
    gateway.child.kill('SIGTERM');
    gateway.child.kill('SIGINT');
    const answer = await inFlight.done;
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('data: [DONE]');
    expect(await gateway.exited).toBe(0);
    expect(occurrences(stdout(), 'stopping: every worker drains')).toBe(1);
    expectNoSecrets(stdout(), gateway.stderr());
    expect(marked.pids(env)).toEqual([]);
  }, 60_000);

  // A closed terminal sends SIGHUP to the primary and its workers alike; Node's default is to die at once.
  it('SIGHUP (the terminal closed) to the primary and its workers: the stream ends whole, every worker drains, exit 0', async () => {
    const cwd = await configFolder();
    const env = marked.next();
    const gateway = await startCluster(cwd, env);
    const port = portOf(gateway);
    const inFlight = slowStream(port, masterKey, 8);
    await inFlight.started;
    for (const pid of [gateway.child.pid!, ...marked.pids(env)]) process.kill(pid, 'SIGHUP');
    const answer = await inFlight.done;
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('data: [DONE]');
    expect(await gateway.exited).toBe(0);
    expect(occurrences(gateway.stdout(), 'shutting down: draining requests in flight')).toBe(2);
    expect(marked.pids(env)).toEqual([]);
  }, 60_000);

  it('a second Ctrl-C past the first by a moment: every worker cuts its streams, writes their usage and exits; the primary exits 130', async () => {
    const cwd = await configFolder();
    const env = marked.next();
    const gateway = await startCluster(cwd, env);
    const stdout = gateway.stdout;
    // 60 words at 150 ms: ~9 s, far longer than this test waits.
    const inFlight = slowStream(portOf(gateway), masterKey, 60);
    await inFlight.started;
    gateway.child.kill('SIGINT');
    await childOutput(gateway.child, () => occurrences(stdout(), 'shutting down: draining requests in flight') === 2, 'both workers to drain');
    // Past the window in which a repeat counts as the same keypress passed on.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    gateway.child.kill('SIGINT');
    expect(await gateway.exited).toBe(130);
    expect(inFlight.finished()).toBe(false);
    await inFlight.done.catch(() => undefined);
    expect(stdout()).toContain('a second signal cuts the requests in flight');
    expect(stdout()).not.toMatch(/did not stop in time/);
    const database = new Database(path.join(cwd, '.switchyard', 'switchyard.db'), { readonly: true });
    try {
      // The cut stream is billed for what it sent, as any stream cut short is.
      expect(database.prepare('SELECT provider, model, status, stream FROM usage').all()).toEqual([{ provider: 'mock', model: 'echo', status: 499, stream: 1 }]);
    } finally {
      database.close();
    }
    expectNoSecrets(stdout(), gateway.stderr());
    expect(marked.pids(env)).toEqual([]);
  }, 60_000);

  it('a primary killed with SIGKILL: its workers finish their streams, record them, and exit', async () => {
    const cwd = await configFolder();
    const env = marked.next();
    const gateway = await startCluster(cwd, env);
    const inFlight = slowStream(portOf(gateway), masterKey, 12);
    await inFlight.started;
    gateway.child.kill('SIGKILL');
    const answer = await inFlight.done;
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('data: [DONE]');
    // The workers share the primary's stdout: it closes once both have exited.
    await gateway.exited;
    expect(occurrences(gateway.stdout(), '"msg":"stopped"')).toBe(2);
    // Letting go of a channel the primary's death already closed is no crash.
    expect(gateway.stderr()).toBe('');
    const database = new Database(path.join(cwd, '.switchyard', 'switchyard.db'), { readonly: true });
    try {
      expect(database.prepare('SELECT count(*) AS n FROM usage WHERE status = 200').get()).toEqual({ n: 1 });
    } finally {
      database.close();
    }
    expect(marked.pids(env)).toEqual([]);
  }, 60_000);

  it('on a port already in use: exit 1, the reason said once, no worker left running, no secret printed', async () => {
    const cwd = await configFolder();
    const env = marked.next();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busyPort = (blocker.address() as { port: number }).port;
    try {
      const child = spawn(process.execPath, [cliPath, 'start', '--port', String(busyPort), '--workers', '2'], { cwd, env: { ...process.env, ...env, SWITCHYARD_MASTER_KEY: masterKey } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      const closed = new Promise((resolve) => child.on('close', resolve));
      // The primary's own exit, not its pipes' close: it must not leave a worker behind.
      expect(await exited).toBe(1);
      expect(marked.pids(env)).toEqual([]);
      await closed;
      expect(stderr).toBe(`switchyard: cannot listen on 127.0.0.1:${busyPort}: the address is already in use (is another gateway running?)\n`);
      expect(stdout).not.toMatch(/did not stop cleanly/);
      expectNoSecrets(stdout, stderr);
    } finally {
      blocker.close();
    }
  }, 60_000);
});

describe('the port taken between the primary\'s check and the workers\' listen', () => {
  it('the primary exits 1 with the one line the check gives, no worker left running, no secret printed', async () => {
    const cwd = await configFolder();
    const env = marked.next();
    // In the primary only: when the probe of checkAddressFree lets the port go, the port is taken
    // again before the check returns, so every worker's listen meets EADDRINUSE. The race, made certain.
    const takeAfterCheck = path.join(cwd, 'take-after-check.mjs');
    await writeFile(
      takeAfterCheck,
      `import cluster from 'node:cluster';
       import net from 'node:net';
       if (cluster.isPrimary) {
         const close = net.Server.prototype.close;
         let taken = false;
         net.Server.prototype.close = function (callback) {
           const address = this.address();
           if (taken || address === null || typeof address !== 'object') return close.call(this, callback);
           taken = true;
           return close.call(this, (error) => {
             net.createServer().unref().listen(address.port, address.address, () => callback?.(error));
           });
         };
       }`,
    );
    // Free when the primary checks it: a port no parallel listen(0) or connection can take first.
    const port = await portOutsideEphemeralRange();
    const child = spawn(process.execPath, ['--import', pathToFileURL(takeAfterCheck).href, cliPath, 'start', '--port', String(port), '--workers', '2'], {
      cwd,
      env: { ...process.env, ...env, SWITCHYARD_MASTER_KEY: masterKey },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const closed = new Promise((resolve) => child.on('close', resolve));
    expect(await exited).toBe(1);
    expect(marked.pids(env)).toEqual([]);
    await closed;
    // Once, by the primary: not once per worker, and no stack.
    expect(stderr).toBe(`switchyard: cannot listen on 127.0.0.1:${port}: the address is already in use (is another gateway running?)\n`);
    expect(stdout).toMatch(/starting 2 workers/);
    expect(stdout).not.toMatch(/starting a replacement|did not stop cleanly/);
    expectNoSecrets(stdout, stderr);
  }, 60_000);
});

describe('the cluster primary with a worker that hangs in its drain', () => {
  it('SIGKILLs it after stopTimeoutMs (a second SIGTERM does not cut that short) and exits 1', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-hung-drain-'));
    const env = marked.next();
    const worker = path.join(dir, 'worker.mjs');
    // Listens, then ignores every stop signal: a drain that never ends.
    await writeFile(worker, `
      import { createServer } from 'node:http';
      process.on('SIGTERM', () => undefined);
      process.on('SIGINT', () => undefined);
      createServer().listen(0, '127.0.0.1');
    `);
    const primary = path.join(dir, 'primary.mjs');
    await writeFile(primary, `
      import cluster from 'node:cluster';
      import { createLogger } from ${JSON.stringify(coreModule)};
      import { runClusterPrimary } from ${JSON.stringify(primaryModule)};
      cluster.setupPrimary({ exec: ${JSON.stringify(worker)} });
      const code = await runClusterPrimary({
        workers: 2, logger: createLogger({ level: 'info' }), workerEnv: {}, stopTimeoutMs: 1500,
        onAllListening: () => process.stdout.write('all listening\\n'),
      });
      process.exitCode = code;
    `);
    const child = spawn(process.execPath, [primary], { env: { ...process.env, ...env } });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.resume();
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await childOutput(child, () => stdout.includes('all listening'), 'both workers to listen');
    const signalled = Date.now();
    child.kill('SIGTERM');
    await childOutput(child, () => stdout.includes('stopping: every worker drains'), 'the primary to stop its workers');
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(1500);
    expect(stdout).toMatch(/workers did not stop in time: killing them/);
    expect(stdout).toMatch(/stopped; a worker did not stop cleanly/);
    expect(marked.pids(env)).toEqual([]);
  }, 60_000);
});
