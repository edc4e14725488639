import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableCores, MAX_WORKERS, maxWorkers } from '../src/cluster/resolve-worker-count.js';
import { runCli } from '../../../test/support/run-cli.js';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-validate-workers-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/*
 * The schema takes `server.workers` up to 256; `start` refuses more than 4 per core. `validate`
 * said "valid" for a count that `start` then refused: a deploy checked in CI failed at start.
 */
describe('switchyard validate: server.workers past what start takes on this machine', () => {
  // On a machine of 64 cores or more the schema's 256 is the bound, and the schema refuses 257.
  it.skipIf(maxWorkers(availableCores()) >= MAX_WORKERS)('refuses it as start does: the same line, the same exit code', async () => {
    const cores = availableCores();
    const limit = maxWorkers(cores);
    await writeFile(path.join(cwd, 'switchyard.config.yaml'), `server:\n  workers: ${limit + 1}\n`);
    const expected = `switchyard: --workers must be 'auto' or a whole number from 1 to ${limit} (4 per core, ${cores} here), got '${limit + 1}'\n`;
    const started = await runCli(['start', '--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: 'sy-master-validate-Qw8Ez3Rt6Yu1Io4P' } });
    expect(started.stderr).toBe(expected);
    expect(started.code).toBe(2);
    const validated = await runCli(['validate'], { cwd });
    expect(validated.stderr).toBe(expected);
    expect(validated.stdout).toBe('');
    expect(validated.code).toBe(2);
  }, 60_000);

  it('takes a count within the bound', async () => {
    await writeFile(path.join(cwd, 'switchyard.config.yaml'), `server:\n  workers: ${maxWorkers(availableCores())}\n`);
    const validated = await runCli(['validate'], { cwd });
    expect(validated.stderr).toBe('');
    expect(validated.code).toBe(0);
  }, 60_000);
});
