import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * What CI sees: a clone of the committed HEAD (uncommitted work in this checkout is
 * NOT seen; commit first), `npm ci` from the npm cache without install scripts, the
 * build, and the `switchyard` command npm linked. The slowest test of the suite
 * (two full builds); every step has its own time limit.
 */
describe('the switchyard command from a fresh clone', () => {
  let folder: string | undefined;
  afterAll(async () => {
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  async function step(command: string, args: string[], timeoutMs: number) {
    try {
      return await run(command, args, { cwd: path.join(folder!, 'clone'), timeout: timeoutMs, env: { ...process.env, SWITCHYARD_MASTER_KEY: '' } });
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${command} ${args.join(' ')} failed: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`);
    }
  }

  async function expectCommandWorks() {
    const help = await step('npx', ['switchyard', '--help'], 30_000);
    expect(help.stdout).toMatch(/^Usage: switchyard <command>/);
    const validate = await step('npx', ['switchyard', 'validate'], 30_000);
    expect(validate.stdout).toContain('(built-in defaults): valid');
  }

  it('links node_modules/.bin/switchyard at npm ci, and --help and validate work after a build and after a clean rebuild', async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'switchyard-clone-'));
    await run('git', ['clone', '--quiet', repository, path.join(folder, 'clone')], { timeout: 60_000 });
    await step('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], 180_000);

    // Linked at install, before anything is compiled, and executable.
    const linked = await stat(path.join(folder, 'clone', 'node_modules', '.bin', 'switchyard'));
    expect(linked.mode & 0o111).not.toBe(0);
    const unbuilt = await step('npx', ['switchyard', '--help'], 30_000).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(unbuilt).toContain('the CLI is not built yet');

    await step('npm', ['run', 'build', '--silent'], 240_000);
    await expectCommandWorks();
    await step('npm', ['run', 'clean', '--silent'], 120_000);
    await step('npm', ['run', 'build', '--silent'], 240_000);
    await expectCommandWorks();
  }, 720_000);
});
