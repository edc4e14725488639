import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/run-cli.js';

/*
 * `switchyard --version` or a misspelt flag got Node's parseArgs words: "Unknown option
 * '--prot'. To specify a positional argument starting with a '-', place it at the end of
 * the command after '--', as in '-- "--prot"" (sic, one quote short), advice for a
 * positional argument no command here takes, then the top-level usage even for
 * `keys` and `usage`, which have their own.
 */

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-unknown-option-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('an option no command takes', () => {
  it.each([
    [['start', '--prot', '5'], "unknown option '--prot'", 'Usage: switchyard <command>'],
    [['validate', '-x'], "unknown option '-x'", 'Usage: switchyard <command>'],
    [['--version'], "unknown option '--version'", 'Usage: switchyard <command>'],
    [['keys', 'list', '--bogus'], "unknown option '--bogus'", 'Usage: switchyard keys'],
    [['usage', '--bogus'], "unknown option '--bogus'", 'Usage: switchyard usage'],
  ])('switchyard %j: one line naming it, then that command\'s usage, exit 2', async (args, line, usage) => {
    const result = await runCli(args, { cwd, env: { SWITCHYARD_URL: 'http://127.0.0.1:9', SWITCHYARD_MASTER_KEY: '' } });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const [first, blank, next] = result.stderr.split('\n');
    expect(first).toBe(`switchyard: ${line} (see ${usage.includes('<command>') ? 'switchyard --help' : `${usage.slice('Usage: '.length)} --help`})`);
    expect(blank).toBe('');
    expect(next).toContain(usage);
    expect(result.stderr).not.toContain('positional argument');
  });

  it("keeps Node's words for a flag given without its value", async () => {
    const result = await runCli(['start', '--port'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe("switchyard: Option '-p, --port <value>' argument missing");
  });
});

describe('no command at all', () => {
  // `switchyard keys` without an action says so on stderr, exit 2; `switchyard` alone printed its usage to stdout, exit 1.
  it('switchyard: one line saying a command is needed, then the usage, on stderr, exit 2', async () => {
    const result = await runCli([], { cwd });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const [first, blank, next] = result.stderr.split('\n');
    expect(first).toBe('switchyard: a command is needed: start, validate, keys or usage');
    expect(blank).toBe('');
    expect(next).toBe('Usage: switchyard <command> [options]');
  });

  it('switchyard --help: the usage on stdout, exit 0', async () => {
    const result = await runCli(['--help'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('Usage: switchyard <command> [options]');
  });
});
