import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/run-cli.js';

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

const whole = [
  'const port: number = 47680;',
  'export default {',
  '  server: { port },',
  '  providers: {',
  '    mock: {},',
  '    openai: { api_key: process.env.SWITCHYARD_TEST_UNSET_KEY ?? "sk-from-code-0123456789" },',
  '  },',
  '};',
  '',
].join('\n');

async function tsConfig(text: string): Promise<string> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-ts-config-'));
  folders.push(cwd);
  await writeFile(path.join(cwd, 'switchyard.config.ts'), text);
  return cwd;
}

/*
 * TypeScript's transpiler recovers from syntax errors: a .ts config cut short (a save interrupted, a
 * copy that lost its end) was transpiled into something that ran, and validate said "valid" for it.
 */
describe('a TypeScript config with a syntax error', () => {
  it('the whole file is valid', async () => {
    const cwd = await tsConfig(whole);
    const { code, stdout, stderr } = await runCli(['validate', '--config', 'switchyard.config.ts'], { cwd });
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^switchyard\.config\.ts: valid — providers: mock, openai;/);
    expect(code).toBe(0);
  });

  it.each([
    ['cut short inside the providers', whole.slice(0, whole.indexOf('  },')), 7, "'}' expected"],
    ['cut short inside a string', whole.slice(0, whole.indexOf('0123456789')), 6, 'Unterminated string literal'],
    ['a stray brace', whole.replace('mock: {},', 'mock: {}},'), 7, "';' expected"],
  ])('%s: one problem with its line, exit 1, from validate and start alike', async (_name, text, line, message) => {
    const cwd = await tsConfig(text);
    for (const args of [['validate', '--config', 'switchyard.config.ts'], ['start', '--config', 'switchyard.config.ts', '--port', '0']]) {
      const { code, stdout, stderr } = await runCli(args, { cwd, env: { SWITCHYARD_MASTER_KEY: 'sy-master-ts-config-Vq3Lx9Tz2Kw7' } });
      expect(stderr).toBe(`switchyard: the configuration has 1 problem:\n  switchyard.config.ts:${line} (top level): cannot read config: ${message}\n`);
      expect(stdout).toBe('');
      expect(code).toBe(1);
    }
  }, 30_000);
});
