import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/run-cli.js';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-validate-start-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** `validate` and `start` on the same file, without SWITCHYARD_MASTER_KEY (the file's master_key is the one read). */
async function both(file: string) {
  const env = { SWITCHYARD_MASTER_KEY: '' };
  return [await runCli(['validate', '--config', file], { cwd, env }), await runCli(['start', '--config', file, '--port', '0'], { cwd, env })];
}

/*
 * A master_key with a space, a tab or a control character in the file: no client can send it as
 * "Bearer <key>". Both commands took it and start served a gateway no call could open; the same
 * key from SWITCHYARD_MASTER_KEY was refused.
 */
describe('validate and start: a master_key no client can send', () => {
  for (const [name, written] of [
    ['a space', '"correct horse battery staple"'],
    ['a tab', '"abcdefgh\\tijklmnopqrs"'],
    ['a NUL', '"abcdefghijklmnopqrs\\0"'],
  ] as const) {
    it(`${name}: the same problem from both, exit 1, the key not quoted`, async () => {
      await writeFile(path.join(cwd, 'key.yaml'), `master_key: ${written}\n`);
      for (const { code, stdout, stderr } of await both('key.yaml')) {
        expect(stdout).toBe('');
        expect(stderr).toBe('switchyard: the configuration has 1 problem:\n  key.yaml:1 master_key: must match pattern "^[^\\s\\x00-\\x1f\\x7f]+$"\n');
        expect(code).toBe(1);
      }
    });
  }
});

/*
 * A server.data_dir that is a file (or under one): start refused it with exit 2, validate said "valid".
 * validate makes no folder: a data folder that does not exist yet stays valid.
 */
describe('validate and start: a server.data_dir that is a file', () => {
  it('the same line from both, exit 2; a missing data folder is valid and not made by validate', async () => {
    await writeFile(path.join(cwd, 'a-file'), 'x');
    for (const dataDir of ['./a-file', './a-file/data']) {
      await writeFile(path.join(cwd, 'data-dir.yaml'), `server:\n  data_dir: ${dataDir}\n`);
      for (const { code, stdout, stderr } of await both('data-dir.yaml')) {
        expect(stdout).toBe('');
        expect(stderr).toBe(`switchyard: server.data_dir ${path.join(cwd, dataDir)} is ${dataDir === './a-file' ? 'a file' : `under ${path.join(cwd, 'a-file')}, a file`}, not a folder\n`);
        expect(code).toBe(2);
      }
    }
    await writeFile(path.join(cwd, 'new-dir.yaml'), 'server:\n  data_dir: ./not-yet/data\n');
    const validate = await runCli(['validate', '--config', 'new-dir.yaml'], { cwd });
    expect(validate.stderr).toBe('');
    expect(validate.code).toBe(0);
    await expect(access(path.join(cwd, 'not-yet'))).rejects.toThrow(/ENOENT/);
  });
});

/* server.workers: 2 with SQLite in memory: start refused it (each worker's own database), validate said "valid". */
describe('validate and start: workers that could not share a SQLite database in memory', () => {
  it('the same line from both, exit 1; one worker with it is valid', async () => {
    await writeFile(path.join(cwd, 'memory.yaml'), 'server:\n  workers: 2\nstorage:\n  use: sqlite\n  path: ":memory:"\n');
    for (const { code, stdout, stderr } of await both('memory.yaml')) {
      expect(stdout).toBe('');
      expect(stderr).toBe("switchyard: storage path ':memory:' is each process's own database: with 2 workers budgets and keys would not be shared; use a file\n");
      expect(code).toBe(1);
    }
    await writeFile(path.join(cwd, 'memory-one.yaml'), 'storage:\n  use: sqlite\n  path: ":memory:"\n');
    const one = await runCli(['validate', '--config', 'memory-one.yaml'], { cwd });
    expect(one.stderr).toBe('');
    expect(one.code).toBe(0);
  });
});

/* A SWITCHYARD_MASTER_KEY start refuses (a placeholder, too short, a space): validate said "valid". */
describe('validate and start: a SWITCHYARD_MASTER_KEY start refuses', () => {
  it('the same line from both, exit 1, the key not printed', async () => {
    await writeFile(path.join(cwd, 'plain.yaml'), '{}\n');
    for (const [key, line] of [
      ['change-me-change-me-1234', 'SWITCHYARD_MASTER_KEY is a placeholder (it contains "change-me"): set a real secret'],
      ['short-key-123', 'SWITCHYARD_MASTER_KEY must be at least 16 characters, without spaces or line breaks (a client sends it as "Bearer <key>")'],
      ['a key with spaces in it', 'SWITCHYARD_MASTER_KEY must be at least 16 characters, without spaces or line breaks (a client sends it as "Bearer <key>")'],
    ] as const) {
      const env = { SWITCHYARD_MASTER_KEY: key };
      const results = [await runCli(['validate', '--config', 'plain.yaml'], { cwd, env }), await runCli(['start', '--config', 'plain.yaml', '--port', '0'], { cwd, env })];
      for (const { code, stdout, stderr } of results) {
        expect(stdout, key).toBe('');
        expect(stderr, key).toBe(`switchyard: ${line}\n`);
        expect(code, key).toBe(1);
      }
    }
  });
});
