import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/run-cli.js';

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

/** A folder with a config of `{}` and `.switchyard/master-key` made by `make`. */
async function folderWithKeyFile(make: (keyFile: string) => Promise<void>): Promise<{ cwd: string; keyFile: string }> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-start-key-file-'));
  folders.push(cwd);
  await writeFile(path.join(cwd, 'switchyard.config.yaml'), '{}\n');
  await mkdir(path.join(cwd, '.switchyard'), { mode: 0o700 });
  const keyFile = path.join(cwd, '.switchyard', 'master-key');
  await make(keyFile);
  return { cwd, keyFile };
}

// No SWITCHYARD_MASTER_KEY: start takes the key from the data folder's file.
const env = { SWITCHYARD_MASTER_KEY: '' };

/*
 * The data folder's `master-key` file is the third place start looks for the master key (after
 * SWITCHYARD_MASTER_KEY and the config's master_key). A folder there (a volume mount of a file
 * that did not exist yet makes one) was an `EISDIR` stack trace; a key in it too short or with a
 * space was reported as `switchyard.config.yaml master_key: must NOT have fewer than 16 characters`,
 * a key the config file does not have, and `validate` said "valid" for it.
 */
describe('switchyard start/validate: the master key file in the data folder', () => {
  it('a folder where the file goes: one line naming it, no stack, from start and validate alike', async () => {
    const { cwd, keyFile } = await folderWithKeyFile((file) => mkdir(file));
    for (const args of [['start', '--port', '0'], ['validate']]) {
      const { code, stdout, stderr } = await runCli(args, { cwd, env, timeoutMs: 10_000 });
      expect(stderr).toBe(`switchyard: cannot read the master key from ${keyFile}: it is a folder, not a file\n`);
      expect(stdout).toBe('');
      expect(code).toBe(1);
    }
  });

  /*
   * An empty file (`touch`ed, an empty secret mounted, a save cut short by a full disk) was passed over:
   * start made up a key, listened, then failed to save it over the file (EEXIST, a stack trace) and
   * went on serving with a key nobody was shown.
   */
  it('an empty file: one line naming it, nothing served, from start and validate alike', async () => {
    const { cwd, keyFile } = await folderWithKeyFile((file) => writeFile(file, ' \n', { mode: 0o600 }));
    for (const args of [['start', '--port', '0'], ['validate']]) {
      const { code, stdout, stderr } = await runCli(args, { cwd, env, timeoutMs: 10_000 });
      expect(stderr).toBe(`switchyard: the master key file ${keyFile} is empty: write a key in it, or delete it for start to make one\n`);
      expect(stdout).toBe('');
      expect(code).toBe(1);
    }
  });

  /*
   * A link to a file that is not there (a secret not mounted at the link's target) read as no file:
   * start made up a key, listened, failed to save it over the link (EEXIST, a stack trace) and
   * served on with a key nobody was shown.
   */
  it('a link to a missing file: one line naming both, nothing served, from start and validate alike', async () => {
    const target = path.join(tmpdir(), 'switchyard-no-such-secret', 'master-key');
    const { cwd, keyFile } = await folderWithKeyFile((file) => symlink(target, file));
    for (const args of [['start', '--port', '0'], ['validate']]) {
      const { code, stdout, stderr } = await runCli(args, { cwd, env, timeoutMs: 10_000 });
      expect(stderr).toBe(`switchyard: cannot read the master key from ${keyFile}: it is a link to ${target}, which does not exist\n`);
      expect(stdout).toBe('');
      expect(code).toBe(1);
    }
  });

  for (const [name, key] of [
    ['too short', 'short-key'],
    ['with a space', 'sy-master with a space in it'],
    ['with a line break inside', 'sy-master-first-line\nsecond-line-of-it'],
  ] as const) {
    it(`a key ${name}: one line naming the file, not the config's master_key, the key not quoted, from start and validate alike`, async () => {
      const { cwd, keyFile } = await folderWithKeyFile((file) => writeFile(file, `${key}\n`, { mode: 0o600 }));
      for (const args of [['start', '--port', '0'], ['validate']]) {
        const { code, stdout, stderr } = await runCli(args, { cwd, env, timeoutMs: 10_000 });
        expect(stderr).toBe(
          `switchyard: the master key in ${keyFile} must be at least 16 characters, without spaces or line breaks (a client sends it as "Bearer <key>")\n`,
        );
        expect(stderr).not.toContain(key.split(/\s/)[0]);
        expect(stdout).toBe('');
        expect(code).toBe(1);
      }
    });
  }
});
