import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/run-cli.js';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-key-file-'));
  await mkdir(path.join(cwd, 'a-folder'));
  await mkdir(path.join(cwd, '.switchyard', 'master-key'), { recursive: true });
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/*
 * A master key file that is a folder (`--master-key-file some/dir`, or a `.switchyard/master-key`
 * made as a folder by a volume mount) was an EISDIR stack trace with exit 1, the gateway never asked.
 */
describe('switchyard keys/usage: a master key file that cannot be read', () => {
  const env = { SWITCHYARD_MASTER_KEY: '', SWITCHYARD_URL: 'http://127.0.0.1:9' };
  for (const [name, args] of [
    ['--master-key-file naming a folder', ['keys', 'list', '--master-key-file', 'a-folder']],
    ['the default .switchyard/master-key being a folder', ['usage']],
  ] as const) {
    it(`${name}: one line saying so, exit 2, no stack`, async () => {
      const { code, stdout, stderr } = await runCli([...args], { cwd, env });
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^switchyard: no master key: cannot read .*(a-folder|master-key) \(it is a folder, not a file\)\n$/);
      expect(code).toBe(2);
    });
  }
});

/*
 * `keys create` without --name, or `keys update` without an id, run where no master key is found:
 * the master key was looked for first, so the line said "no master key" (or, for update, "give at
 * least one field"), not what the command line lacked.
 */
describe('switchyard keys: the command line is checked before the master key is looked for', () => {
  const env = { SWITCHYARD_MASTER_KEY: '', SWITCHYARD_URL: 'http://127.0.0.1:9' };
  for (const [args, line] of [
    [['keys', 'create', '--team', 'x', '--master-key-file', 'missing'], 'keys create needs --name'],
    [['keys', 'update', '--master-key-file', 'missing'], 'keys update needs a key id (see switchyard keys list)'],
    [['keys', 'create', '--name', 'x', '--rpm', 'many', '--master-key-file', 'missing'], "--rpm must be a number, got 'many'"],
  ] as const) {
    it(`switchyard ${args.slice(0, 2).join(' ')} …: ${line}`, async () => {
      const { code, stdout, stderr } = await runCli([...args], { cwd, env });
      expect(stdout).toBe('');
      expect(stderr).toBe(`switchyard: ${line}\n`);
      expect(code).toBe(2);
    });
  }
});
