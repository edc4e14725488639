import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { occurrences, processMarkers, replaceOneWorker } from './support/marked-processes.js';
import { cliPath, startCli } from './support/run-cli.js';

const run = promisify(execFile);
const masterKey = 'sy-master-config-edits-Pq4Zt8Lm2Xv6';

/** Every test's processes carry a marker of their own: the primary and each worker, orphaned or not. */
const marked = processMarkers('SWITCHYARD_EDIT_RUN');

// Whatever a test leaves running (it failed half-way), killed here, workers included.
afterEach(marked.killLeftovers);

/** One chat call on a connection of its own, so each is balanced to a worker afresh. */
function chat(port: number, model: string, key = masterKey): Promise<{ status: number; worker: string | undefined }> {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json', connection: 'close' };
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, worker: res.headers['x-switchyard-worker'] as string | undefined }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`${model}: no answer within 15 s`)));
    req.end(JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }));
  });
}

const startedWith = 'providers:\n  mock: {}\nmodels:\n  kept: mock/echo\n  dropped: mock/echo\nstorage:\n  use: sqlite\n';

/**
 * Starts `--workers 2`, changes what a worker would read at start (`edit`: the config file, the
 * master key's file), SIGKILLs one worker and waits for its replacement; resolves with the
 * answers to `dropped` (a model only the original file has) once both workers gave one.
 */
async function replaceAWorkerAfter(edit: (cwd: string) => Promise<void>, options: { key?: string; prepare?: (cwd: string) => Promise<void> } = {}) {
  const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-workers-config-edits-'));
  await writeFile(path.join(cwd, 'switchyard.config.yaml'), startedWith);
  await options.prepare?.(cwd);
  const env = marked.next();
  const gateway = await startCli(['--port', '0', '--workers', '2'], {
    cwd,
    env: { ...env, SWITCHYARD_MASTER_KEY: options.key === undefined ? masterKey : '', SWITCHYARD_DEBUG_WORKER_HEADER: '1' },
    ready: 'with 2 workers',
    startTimeoutMs: 60_000,
  });
  const port = Number(/listening on port (\d+) with 2 workers/.exec(gateway.stdout())![1]);

  await edit(cwd);
  await replaceOneWorker(gateway, marked.pids(env));

  // Round-robin alternates the two workers; the replacement is worker 3.
  const key = options.key ?? masterKey;
  const answers: Array<Awaited<ReturnType<typeof chat>>> = [];
  while (answers.length < 20 && !answers.some((answer) => answer.worker === '3')) answers.push(await chat(port, 'dropped', key));
  answers.push(await chat(port, 'dropped', key));
  return { gateway, env, answers };
}

const replaceAWorkerAfterEditing = (edited: string) => replaceAWorkerAfter((cwd) => writeFile(path.join(cwd, 'switchyard.config.yaml'), edited));

describe('switchyard start --workers 2: a replacement worker serves the config the gateway started with', () => {
  it('the file was rewritten with a model removed: the replacement still serves it, as its sibling does', async () => {
    const { gateway, env, answers } = await replaceAWorkerAfterEditing('providers:\n  mock: {}\nmodels:\n  kept: mock/echo\nstorage:\n  use: sqlite\n');
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    expect(new Set(answers.map((answer) => answer.worker)).size).toBe(2);
    expect(answers.map((answer) => answer.worker)).toContain('3');
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect(marked.pids(env)).toEqual([]);
  }, 90_000);

  it('the file was left as broken YAML: the replacement starts and serves, the gateway does not stop', async () => {
    const { gateway, env, answers } = await replaceAWorkerAfterEditing('providers:\n  mock: {\nmodels: [kept\n');
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    expect(new Set(answers.map((answer) => answer.worker)).size).toBe(2);
    expect(answers.map((answer) => answer.worker)).toContain('3');
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    // The primary's log is written asynchronously: read once it has exited.
    expect(occurrences(gateway.stdout(), 'a worker stopped unexpectedly')).toBe(1);
    expect(gateway.stderr()).toBe('');
    expect(marked.pids(env)).toEqual([]);
  }, 90_000);

  it('the master key came from the data folder and its file was then rewritten: the replacement takes the key the gateway started with', async () => {
    const startedKey = 'sy-master-from-file-Hn5Rw2Qk8Zt4Lm7X';
    const keyFile = (cwd: string) => path.join(cwd, '.switchyard', 'master-key');
    const { gateway, env, answers } = await replaceAWorkerAfter((cwd) => writeFile(keyFile(cwd), 'sy-master-edited-later-Bv6Ty3Np9Wc1Kd', { mode: 0o600 }), {
      key: startedKey,
      prepare: async (cwd) => {
        await mkdir(path.join(cwd, '.switchyard'), { recursive: true, mode: 0o700 });
        await writeFile(keyFile(cwd), startedKey, { mode: 0o600 });
      },
    });
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    expect(answers.map((answer) => answer.worker)).toContain('3');
    expect(new Set(answers.map((answer) => answer.worker)).size).toBe(2);
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect(marked.pids(env)).toEqual([]);
  }, 90_000);

  it('a worker whose primary never answers gives up with one line and exit 1', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-workers-no-config-'));
    // A primary that forks the real CLI as its worker and never answers the worker's question.
    const primary = path.join(cwd, 'silent-primary.mjs');
    await writeFile(
      primary,
      `import cluster from 'node:cluster';
       cluster.setupPrimary({ exec: ${JSON.stringify(cliPath)}, args: ['start', '--port', '0'], serialization: 'advanced' });
       const worker = cluster.fork();
       worker.on('listening', () => { process.stdout.write('worker listened\\n'); worker.kill('SIGKILL'); });
       worker.on('exit', (code) => process.stdout.write('worker exit ' + code + '\\n'));`,
    );
    const { stdout, stderr } = await run(process.execPath, [primary], {
      cwd,
      env: { ...process.env, ...marked.next(), SWITCHYARD_MASTER_KEY: masterKey },
      timeout: 60_000,
    });
    expect(stdout).toBe('worker exit 1\n');
    expect(stderr).toBe('switchyard: this worker could not get the config from the cluster primary: no answer within 10 s\n');
  }, 60_000);
});
