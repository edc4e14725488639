import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/run-cli.js';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-keys-numbers-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/*
 * A number flag of `switchyard keys` was read with Number(), which also reads hex, octal and
 * binary: `keys create --budget 0x10` made a key with a $16 budget, `--rpm 0b11` one of 3 rpm,
 * without a word (a config file refuses 0x10, `start --port 0x10` too). The flags are checked
 * before the master key is looked for, so no gateway is needed to see the refusal.
 */
describe('switchyard keys: number flags are decimal', () => {
  const env = { SWITCHYARD_MASTER_KEY: '', SWITCHYARD_URL: 'http://127.0.0.1:9' };
  for (const [flag, value] of [
    ['--budget', '0x10'],
    ['--budget', '0o17'],
    ['--rpm', '0b11'],
    ['--max-tokens', '0X400'],
  ] as const) {
    it(`keys create ${flag} ${value}: refused, exit 2, the gateway never asked`, async () => {
      const { code, stdout, stderr } = await runCli(['keys', 'create', '--name', 'x', flag, value, '--master-key-file', 'missing'], { cwd, env });
      expect(stderr).toBe(`switchyard: ${flag} must be a number written in decimal, got '${value}'\n`);
      expect(stdout).toBe('');
      expect(code).toBe(2);
    });
  }

  it('decimal numbers, with a fraction or an exponent, are still read: only the master key is missing', async () => {
    const { code, stderr } = await runCli(
      ['keys', 'create', '--name', 'x', '--budget', '12.50', '--rpm', '60', '--tpm', '1e5', '--master-key-file', 'missing'],
      { cwd, env },
    );
    expect(stderr).toMatch(/^switchyard: no master key: /);
    expect(code).toBe(2);
  });
});
