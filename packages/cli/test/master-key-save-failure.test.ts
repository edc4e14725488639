import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliPath } from '../../../test/support/run-cli.js';

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

/**
 * Preloads that make saving the generated master key fail as it can in the field: the disk full
 * (ENOSPC), or another start saving its own key in the same data folder first (a real EEXIST: the
 * save refuses to overwrite it).
 */
const preloads = {
  full: `
const fsp = require('node:fs/promises');
const writeFile = fsp.writeFile;
fsp.writeFile = async function (file, ...rest) {
  if (String(file).endsWith('master-key')) throw Object.assign(new Error("ENOSPC: no space left on device, open '" + file + "'"), { code: 'ENOSPC', errno: -28, syscall: 'open', path: String(file) });
  return writeFile.call(this, file, ...rest);
};
require('node:module').syncBuiltinESMExports();
`,
  race: `
const fsp = require('node:fs/promises');
const writeFile = fsp.writeFile;
fsp.writeFile = async function (file, ...rest) {
  if (String(file).endsWith('master-key')) await writeFile.call(this, file, 'sy-master-the-other-start-0123456789\\n', { mode: 0o600 });
  return writeFile.call(this, file, ...rest);
};
require('node:module').syncBuiltinESMExports();
`,
};

/** `switchyard start` with no master key anywhere (it generates one), run to its end or killed after 15 s. */
async function startGenerating(preload: string): Promise<{ code: number | null; stdout: string; stderr: string; cwd: string }> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-key-save-'));
  folders.push(cwd);
  await writeFile(path.join(cwd, 'switchyard.config.yaml'), '{}\n');
  const preloadFile = path.join(cwd, 'preload.cjs');
  await writeFile(preloadFile, preload);
  const child = spawn(process.execPath, ['--require', preloadFile, cliPath, 'start', '--port', '0'], {
    cwd,
    env: { ...process.env, SWITCHYARD_MASTER_KEY: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr, cwd };
}

describe('switchyard start: a generated master key that cannot be saved', () => {
  it('the disk full: one line, exit 1, nothing left serving with a key nobody was shown', async () => {
    const { code, stdout, stderr, cwd } = await startGenerating(preloads.full);
    const keyFile = path.join(cwd, '.switchyard', 'master-key');
    expect(stderr).toBe(
      `switchyard: cannot save the generated master key to ${keyFile}: ENOSPC: no space left on device; not serving with a key nobody was shown (set SWITCHYARD_MASTER_KEY, or make room and start again)\n`,
    );
    expect(stdout).not.toMatch(/sy-master-/);
    expect(code).toBe(1);
  }, 30_000);

  it('another start saved its key first: one line, exit 1; the other start\'s key is kept', async () => {
    const { code, stdout, stderr, cwd } = await startGenerating(preloads.race);
    const keyFile = path.join(cwd, '.switchyard', 'master-key');
    expect(stderr).toBe(
      `switchyard: cannot save the generated master key to ${keyFile}: another start saved one there meanwhile; not serving with a key nobody was shown (start again to use the saved one)\n`,
    );
    expect(stdout).not.toMatch(/sy-master-/);
    expect(code).toBe(1);
    expect(await readFile(keyFile, 'utf8')).toBe('sy-master-the-other-start-0123456789\n');
  }, 30_000);
});
