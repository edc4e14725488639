import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/run-cli.js';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-empty-config-flag-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/*
 * `--config "$CONFIG"` with CONFIG unset is `--config ''`: it was taken as no --config at all, so
 * validate said "(built-in defaults): valid" and start served the mock provider in the file's place.
 */
describe('an empty --config', () => {
  for (const args of [
    ['validate', '--config', ''],
    ['validate', '--config='],
    ['validate', '-c', ' '],
    ['start', '--config', '', '--port', '0'],
  ]) {
    it(`switchyard ${JSON.stringify(args)}: one line, exit 2, nothing served`, async () => {
      const { code, stdout, stderr } = await runCli(args, { cwd });
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^switchyard: --config must name a config file, got '\s*'\n$/);
      expect(code).toBe(2);
    });
  }
});
