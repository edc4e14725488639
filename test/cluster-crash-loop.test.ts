import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cliPath } from './support/run-cli.js';

const run = promisify(execFile);
const primaryModule = pathToFileURL(path.join(path.dirname(cliPath), 'cluster', 'run-cluster-primary.js')).href;
const coreModule = pathToFileURL(path.resolve(path.dirname(cliPath), '../../core/dist/index.js')).href;

/**
 * The cluster primary on its own, with a worker program that listens and then dies:
 * a real crash loop, real processes.
 */
describe('the cluster primary with workers that keep crashing', () => {
  it('replaces them with backoff, then gives up with a clear log and exit code 1', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-crash-loop-'));
    const worker = path.join(dir, 'worker.mjs');
    await writeFile(worker, `
      import { createServer } from 'node:http';
      createServer().listen(0, '127.0.0.1', () => setTimeout(() => process.exit(3), 50));
    `);
    const primary = path.join(dir, 'primary.mjs');
    await writeFile(primary, `
      import cluster from 'node:cluster';
      import { createLogger } from ${JSON.stringify(coreModule)};
      import { runClusterPrimary } from ${JSON.stringify(primaryModule)};
      cluster.setupPrimary({ exec: ${JSON.stringify(worker)} });
      const code = await runClusterPrimary({
        workers: 2, logger: createLogger({ level: 'info' }), workerEnv: {}, stopTimeoutMs: 5000,
        onAllListening: () => undefined, maxCrashes: 3, crashWindowMs: 60000,
      });
      process.exitCode = code;
    `);
    const outcome = await run(process.execPath, [primary], { timeout: 60_000 }).then(
      (result) => ({ code: 0, stdout: result.stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    expect(outcome.code).toBe(1);
    const replacements = outcome.stdout.match(/starting a replacement/g) ?? [];
    expect(replacements).toHaveLength(3);
    expect(outcome.stdout).toMatch(/workers keep crashing \(4 within 60 s\): giving up and stopping/);
    // Backoff doubles: 100, 200, 400 ms.
    expect([...outcome.stdout.matchAll(/"backoffMs":(\d+)/g)].map((m) => Number(m[1]))).toEqual([100, 200, 400]);
  }, 90_000);
});

describe('the cluster primary with workers that cannot listen', () => {
  it('stops, and rejects with the one line a worker gave (its port was taken), once for all of them', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-cannot-listen-'));
    const reportModule = pathToFileURL(path.join(path.dirname(cliPath), 'cluster', 'worker-start-failure.js')).href;
    const worker = path.join(dir, 'worker.mjs');
    // What a worker of `switchyard start` does when its listen meets EADDRINUSE: tell the primary, then exit 1.
    await writeFile(worker, `
      import { tellPrimaryWhyNotStarted } from ${JSON.stringify(reportModule)};
      const told = await tellPrimaryWhyNotStarted('cannot listen on 127.0.0.1:4000: the address is already in use (is another gateway running?)');
      process.stdout.write('told ' + told + '\\n');
      process.exit(1);
    `);
    const primary = path.join(dir, 'primary.mjs');
    await writeFile(primary, `
      import cluster from 'node:cluster';
      import { createLogger } from ${JSON.stringify(coreModule)};
      import { runClusterPrimary } from ${JSON.stringify(primaryModule)};
      cluster.setupPrimary({ exec: ${JSON.stringify(worker)} });
      runClusterPrimary({
        workers: 3, logger: createLogger({ level: 'silent' }), workerEnv: {}, stopTimeoutMs: 5000,
        onAllListening: () => undefined,
      }).then(
        (code) => process.stdout.write('resolved ' + code + '\\n'),
        (error) => process.stdout.write('rejected ' + error.name + ': ' + error.message + '\\n'),
      );
    `);
    const { stdout } = await run(process.execPath, [primary], { timeout: 60_000 });
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('rejected CliError: cannot listen on 127.0.0.1:4000: the address is already in use (is another gateway running?)');
    expect(lines).toContain('told true');
    expect(lines.filter((line) => !line.startsWith('told'))).toHaveLength(1);
  }, 60_000);
});

describe('the cluster primary with replacement workers that cannot start for the same reason', () => {
  it('says the reason once, counts the attempts, and stops with the line and how many attempts failed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-failed-replacements-'));
    const reportModule = pathToFileURL(path.join(path.dirname(cliPath), 'cluster', 'worker-start-failure.js')).href;
    const reason = 'could not start: the storage cannot be reached: the database file was deleted or moved away while the gateway ran';
    const worker = path.join(dir, 'worker.mjs');
    // Workers 1 and 2 listen; every replacement fails as a \`switchyard start\` worker does when its SQLite file is gone.
    await writeFile(worker, `
      import cluster from 'node:cluster';
      import { createServer } from 'node:http';
      import { tellPrimaryWhyNotStarted } from ${JSON.stringify(reportModule)};
      if (cluster.worker.id <= 2) createServer().listen(0, '127.0.0.1');
      else {
        await tellPrimaryWhyNotStarted(${JSON.stringify(reason)});
        process.exit(1);
      }
    `);
    const primary = path.join(dir, 'primary.mjs');
    // Once both listen, worker 1 dies: its replacements fail, 3 crashes are allowed.
    await writeFile(primary, `
      import cluster from 'node:cluster';
      import { createLogger } from ${JSON.stringify(coreModule)};
      import { runClusterPrimary } from ${JSON.stringify(primaryModule)};
      cluster.setupPrimary({ exec: ${JSON.stringify(worker)} });
      runClusterPrimary({
        workers: 2, logger: createLogger({ level: 'info', destination: { write: (line) => process.stdout.write(line) } }), workerEnv: {}, stopTimeoutMs: 5000,
        onAllListening: () => void cluster.workers[1].process.kill('SIGKILL'), maxCrashes: 3, crashWindowMs: 60000,
      }).then(
        (code) => process.stdout.write('resolved ' + code + '\\n'),
        (error) => process.stdout.write('rejected ' + error.name + ': ' + error.message + '\\n'),
      );
    `);
    const { stdout } = await run(process.execPath, [primary], { timeout: 60_000 });
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1)).toBe(`rejected CliError: ${reason} (3 attempts failed)`);
    // Said once in the log while the primary still replaced them, not once per attempt.
    expect(lines.filter((line) => line.includes(reason))).toHaveLength(2);
    expect(lines.filter((line) => line.includes('a replacement worker could not start'))).toHaveLength(1);
    expect(lines.filter((line) => line.includes('starting a replacement'))).toHaveLength(3);
  }, 60_000);
});

describe('the cluster primary when a worker dies after it listened, while another still starts', () => {
  it('counts only live workers as listening: the one still starting that then fails is a start failure, not a crash to replace', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-early-crash-'));
    const worker = path.join(dir, 'worker.mjs');
    // Worker 2 is still starting when worker 1, which listened, dies (the primary kills it); worker 3,
    // its replacement, listens; then worker 2 fails to start. Any later worker is killed once it listens.
    await writeFile(worker, `
      import cluster from 'node:cluster';
      import { createServer } from 'node:http';
      if (cluster.worker.id === 2) process.on('message', (message) => message === 'fail' && process.exit(1));
      else createServer().listen(0, '127.0.0.1');
    `);
    const primary = path.join(dir, 'primary.mjs');
    await writeFile(primary, `
      import cluster from 'node:cluster';
      import { createLogger } from ${JSON.stringify(coreModule)};
      import { runClusterPrimary } from ${JSON.stringify(primaryModule)};
      cluster.setupPrimary({ exec: ${JSON.stringify(worker)} });
      const run = runClusterPrimary({
        workers: 2, logger: createLogger({ level: 'info' }), workerEnv: {}, stopTimeoutMs: 5000,
        onAllListening: () => process.stdout.write('all listening\\n'), maxCrashes: 2, crashWindowMs: 60000,
      });
      // Registered after the primary's own listener: it has counted the worker by then.
      cluster.on('listening', (listening) => {
        if (listening.id === 3) cluster.workers[2]?.send('fail');
        else listening.process.kill('SIGKILL');
      });
      process.exitCode = await run;
    `);
    const outcome = await run(process.execPath, [primary], { timeout: 60_000 }).then(
      (result) => ({ code: 0, stdout: result.stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).not.toContain('all listening');
    expect(outcome.stdout).toMatch(/"workerId":2,.*a worker failed to start; stopping/);
    expect(outcome.stdout.match(/starting a replacement/g)).toHaveLength(1);
  }, 60_000);
});
