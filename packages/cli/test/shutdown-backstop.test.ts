import { mkdtemp, rm, symlink, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../../../test/support/run-cli.js';

/*
 * SIGTERM runs gateway.close(): the drain is bounded by server.shutdown_timeout_ms, but what
 * comes after it (a plugin's close hook, a store's close or its last ledger batch) was awaited
 * for as long as it took. A store that never answers hung `switchyard start` for good (until a
 * SIGKILL); when nothing else held the event loop, the process exited 0 without a word and
 * without the usage records still pending. The cluster primary bounds its workers' stop with
 * drain_delay_ms + shutdown_timeout_ms + 10 s; one process now bounds its own with the same.
 */

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const masterKey = 'sy-master-backstop-0123456789abcd';
const shutdownTimeoutMs = 300;
let folder: string;

/** A step whose close hook never settles: with `keepAlive`, an open handle holds the loop too (a socket that never answers). */
const hangingStep = (keepAlive: boolean) => `
import { definePlugin } from '@switchyard/core';
export default definePlugin({
  name: 'hang-on-close',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: (_options, runtime) => {
    runtime.onClose(() => new Promise(() => { ${keepAlive ? 'setInterval(() => undefined, 60_000);' : ''} }));
    return (_req, _res, next) => next();
  },
});
`;

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'switchyard-backstop-'));
  // Core is a peer dependency of a plugin file: the repo's copy, linked as a workspace would.
  await mkdir(path.join(folder, 'node_modules/@switchyard'), { recursive: true });
  await symlink(path.join(repo, 'packages/core'), path.join(folder, 'node_modules/@switchyard/core'), 'dir');
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const running: RunningCli[] = [];
afterEach(() => {
  for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
});

async function startHanging(keepAlive: boolean): Promise<RunningCli> {
  const cwd = await mkdtemp(path.join(folder, 'gateway-'));
  await writeFile(path.join(cwd, 'hang-on-close.js'), hangingStep(keepAlive));
  await writeFile(
    path.join(cwd, 'switchyard.config.yaml'),
    `server:\n  shutdown_timeout_ms: ${shutdownTimeoutMs}\nchain:\n  - auth\n  - hang-on-close: { use: ./hang-on-close.js }\n  - route\n  - adapter\n`,
  );
  const cli = await startCli(['--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
  running.push(cli);
  return cli;
}

describe('switchyard start (one process) whose close never finishes', () => {
  it('exits 1 after drain_delay_ms + shutdown_timeout_ms + 10 s, saying why, when what close() left behind holds the loop', async () => {
    const cli = await startHanging(true);
    const signalledAt = performance.now();
    cli.child.kill('SIGTERM');
    const code = await Promise.race([cli.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), shutdownTimeoutMs + 10_000 + 8000))]);
    expect(code).toBe(1);
    expect(performance.now() - signalledAt).toBeGreaterThanOrEqual(shutdownTimeoutMs + 10_000 - 100);
    expect(cli.stdout()).toContain('plugin hang-on-close did not close within 1000 ms');
    expect(cli.stdout()).toContain('did not stop within');
    expect(cli.stdout()).not.toContain(masterKey);
  }, 40_000);

  it('exits 0 once close() gives the hook up (nothing else holds the loop), naming the plugin', async () => {
    const cli = await startHanging(false);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain('plugin hang-on-close did not close within 1000 ms');
    expect(cli.stdout()).toContain('"msg":"stopped"');
    expect(cli.stdout()).not.toContain('did not stop within');
  }, 40_000);
});
