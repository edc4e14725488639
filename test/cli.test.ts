import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from './support/run-cli.js';

async function folderWith(files: Record<string, string> = {}): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'switchyard-cli-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(folder, name), text);
  return folder;
}

/**
 * `switchyard start` on a config whose provider `acme` is ./thrower.js, a plugin (options
 * schema `optionsSchema`, JavaScript source) whose create() throws an Error with the message
 * `message` (a template literal's body over `options`).
 */
async function startWithThrowingProvider(config: string, optionsSchema: string, message: string) {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const cwd = await folderWith({
    'switchyard.config.yaml': config,
    'thrower.js': [
      "import { defineProvider } from '@switchyard/core';",
      'export default defineProvider({',
      "  name: 'thrower',",
      `  optionsSchema: ${optionsSchema},`,
      `  create: (options) => { throw new Error(\`${message}\`); },`,
      '});',
    ].join('\n'),
  });
  await mkdir(path.join(cwd, 'node_modules', '@switchyard'), { recursive: true });
  await symlink(path.join(repo, 'packages', 'core'), path.join(cwd, 'node_modules', '@switchyard', 'core'), 'dir');
  return runCli(['start', '--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
}

const masterKey = 'sy-master-cli-test-0123456789abcdef';

describe('switchyard validate', () => {
  it('reports each problem on one line with file, line, path and expectation, and exits non-zero', async () => {
    const cwd = await folderWith({
      'bad.yaml': [
        'server:',
        '  port: 99999',
        'providers:',
        '  openai:',
        '    api_key: 12',
        '    base_url: ftp://example.com',
        '    temperature: 1',
        '  ghost: {}',
        'chain:',
        '  - auth',
        '  - adapter',
        '  - route',
      ].join('\n'),
    });
    const result = await runCli(['validate', '--config', 'bad.yaml'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe('switchyard: the configuration has 6 problems:');
    expect(lines.slice(1).map((line) => line.trim())).toEqual([
      'bad.yaml:2 server.port: must be <= 65535',
      'bad.yaml:5 providers.openai.api_key: expected string',
      'bad.yaml:6 providers.openai.base_url: must match pattern "^https?://"',
      'bad.yaml:7 providers.openai.temperature: unknown key (not allowed here)',
      "bad.yaml:8 providers.ghost: no provider plugin 'ghost' (looked for the package @switchyard/provider-ghost; is it installed?)",
      "bad.yaml:11 chain[1]: the 'adapter' step must come last",
    ]);
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
  });

  it('a JavaScript config with values YAML or JSON could not write (a function, a bigint, a Map, a Date): one problem each, no stack', async () => {
    const cwd = await folderWith({
      'gateway.config.cjs': "module.exports = { providers: { mock: { f: () => 1 } }, server: { port: 10n }, log: { level: Symbol('x') }, cache: new Map(), x: new Date(0) };\n",
    });
    const result = await runCli(['validate', '--config', 'gateway.config.cjs'], { cwd });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe('switchyard: the configuration has 5 problems:');
    const data = 'is not a config value: a config is data (strings, numbers, booleans, lists and maps, as YAML or JSON write them)';
    expect(lines.slice(1).map((line) => line.trim())).toEqual([
      `gateway.config.cjs providers.mock.f: a function ${data}`,
      `gateway.config.cjs server.port: a bigint ${data}`,
      `gateway.config.cjs log.level: a symbol ${data}`,
      `gateway.config.cjs cache: a Map ${data}`,
      `gateway.config.cjs x: a Date ${data}`,
    ]);
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('a YAML tag it does not know (`api_key: !vault sk-…`) is a problem naming the line, and the line is never printed', async () => {
    // yaml's warning printed the line, key and all, through process.emitWarning, and the file was "valid".
    const cwd = await folderWith({ 'switchyard.config.yaml': 'providers:\n  openai: {api_key: !vault sk-tagged-secret-0123456789}\n' });
    for (const command of ['validate', 'start']) {
      const result = await runCli([command, ...(command === 'start' ? ['--port', '0'] : [])], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'switchyard: the configuration has 1 problem:\n  switchyard.config.yaml:2 (top level): cannot read config: Unresolved tag at line 2, column 21 (a config is plain YAML: give a secret as ${VAR})\n',
      );
      expect(result.stdout + result.stderr).not.toContain('tagged-secret');
    }
  });

  it('$import (which cosmiconfig would merge) is one problem line from validate and start, exit 1, nothing served', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': 'server: {}\n$import: providers.yaml\n', 'providers.yaml': 'providers:\n  mock: {}\n' });
    for (const command of ['validate', 'start']) {
      const result = await runCli([command, ...(command === 'start' ? ['--port', '0'] : [])], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'switchyard: the configuration has 1 problem:\n  switchyard.config.yaml:2 (top level): cannot read config: $import is not supported: a config is one file (repeat a part with YAML anchors and merge keys, a secret with ${VAR})\n',
      );
    }
  });

  it('a key pasted where a name goes (`openai: { sk-… }`, `use: sk-…`) is not quoted back in the problem lines', async () => {
    const cwd = await folderWith({
      'switchyard.config.yaml': ['providers:', '  openai: { sk-proj-pasted0secret0123456789 }', '  other: { use: sk-proj-pasted1secret0123456789 }'].join('\n'),
    });
    const result = await runCli(['validate'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('switchyard.config.yaml:2 providers.openai.[REDACTED]: unknown key (not allowed here)');
    expect(result.stderr).not.toMatch(/pasted[01]secret/);
  });

  it('a database URL given where a plugin name goes (`use: ${DATABASE_URL}`) is quoted back without its password', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': 'storage:\n  use: ${DATABASE_URL}\n' });
    const env = { DATABASE_URL: 'postgres://app:Hunter2-db-Secret@db.internal:5432/switchyard' };
    for (const command of ['validate', 'start']) {
      const result = await runCli([command], { cwd, env: { ...env, SWITCHYARD_MASTER_KEY: masterKey } });
      expect(result.code, command).toBe(1);
      expect(result.stderr, command).toContain("storage.use: no storage plugin 'postgres://app:[REDACTED]@db.internal:5432/switchyard'");
      expect(result.stderr, command).not.toContain('Hunter2');
    }
  });

  it('accepts a good file and says what it found', async () => {
    const cwd = await folderWith({
      'switchyard.config.yaml': 'providers:\n  mock: {}\n  openai:\n    api_key: ${OPENAI_API_KEY:-sk-none}\nmodels:\n  fast: mock/echo\n',
    });
    const result = await runCli(['validate'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('switchyard.config.yaml: valid — providers: mock, openai; chain: auth → key-scope → rate-limit → circuit-breaker → route → adapter\n');
  });
});

describe('a JavaScript config in the working folder', () => {
  // The CLI README said `.switchyardrc*` was looked for; a `.switchyardrc.js` (or a
  // switchyard.config.js) was passed over without a word and the built-in defaults served
  // (the mock provider, none of the file's keys or limits). The search runs no code found
  // in the folder, so such a file is refused with the flag that loads it.
  it.each(['switchyard.config.js', 'switchyard.config.mjs', '.switchyardrc.cjs'])('%s: validate and start refuse it, naming --config, and serve nothing', async (name) => {
    const cwd = await folderWith({ [name]: name.endsWith('.cjs') ? 'module.exports = { server: { port: 4999 } };\n' : 'export default { server: { port: 4999 } };\n' });
    for (const command of ['validate', 'start']) {
      const result = await runCli([command, '--port', '0'].slice(0, command === 'start' ? 3 : 1), { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
      expect(result.stdout, command).toBe('');
      expect(result.stderr, command).toBe(
        `switchyard: the configuration has 1 problem:\n  ${name} (top level): cannot read config: a JavaScript config is not looked for, as that would run code found in the folder; name it: --config ${name}\n`,
      );
      expect(result.code, command).toBe(1);
    }
    const named = await runCli(['validate', '--config', name], { cwd });
    expect(named.stdout).toMatch(new RegExp(`^${name.replace(/\./g, '\\.')}: valid`));
  });
});

describe('arguments', () => {
  it('a config file named without --config is refused, not ignored for the built-in defaults', async () => {
    const cwd = await folderWith({ 'my.yaml': 'server:\n  port: 99999\n' });
    for (const command of ['validate', 'start']) {
      const result = await runCli([command, 'my.yaml'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`switchyard: unexpected argument 'my.yaml' (a config file is named with --config my.yaml)\n`);
    }
  });
});

describe('what a command line or a config quotes back', () => {
  const terminalControls = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

  it('validate refuses the options of start (--port, --host, --workers), which it never looked at: one line, exit 2', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': 'providers:\n  mock: {}\n' });
    for (const [flag, value, name] of [['--port', '99999', 'port'], ['-p', '1', 'port'], ['--host', '0.0.0.0', 'host'], ['--workers', '4', 'workers'], ['-w', 'auto', 'workers']] as const) {
      const result = await runCli(['validate', flag, value], { cwd });
      expect(result.code, flag).toBe(2);
      expect(result.stdout, flag).toBe('');
      expect(result.stderr, flag).toBe(`switchyard: validate takes no --${name}: it is an option of start (validate checks the config file, server.${name} in it included)\n`);
    }
  });

  it('a control character typed in a flag, an option name or a command, or written in a config name, is printed written out', async () => {
    const cwd = await folderWith({ 'bad.yaml': 'server:\n  "po\\e[2Jrt": 1\n' });
    const typed = '\u001b[2J\u009b31m';
    const shown = '\\x1b[2J\\x9b31m';
    const port = await runCli(['start', '--port', typed], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
    expect(port.stderr).toBe(`switchyard: --port must be an integer from 0 to 65535, got '${shown}'\n`);
    const host = await runCli(['start', '--port', '0', '--host', ' \t\r\n'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
    expect(host.stderr).toBe("switchyard: --host must name an address or a host, got ' \\t\\r\\n'\n");
    for (const args of [['validate', `--x${typed}`], [`bogus${typed}`], ['validate', `my${typed}.yaml`]]) {
      const result = await runCli(args, { cwd });
      expect(result.code, JSON.stringify(args)).toBe(2);
      const [first] = result.stderr.split('\n');
      expect(first).not.toMatch(terminalControls);
      expect(first).toContain(shown);
    }
    const config = await runCli(['validate', '--config', 'bad.yaml'], { cwd });
    expect(config.code).toBe(1);
    expect(config.stderr).not.toMatch(terminalControls);
    expect(config.stderr).toContain('bad.yaml:2 server.po\\x1b[2Jrt: unknown key');
  });
});

describe('an empty config file', () => {
  it('start --config empty.yaml and validate refuse it in one line, exit 1, and serve nothing (it ran on the built-in defaults)', async () => {
    const cwd = await folderWith({ 'empty.yaml': '', 'switchyard.config.yaml': '# filled in later\n' });
    const reason = 'cannot read config: the file holds no settings (it is empty, or only comments): a config file that says nothing is most likely a mistake; write {} in it to run on the built-in defaults';
    for (const [args, name] of [[['start', '--port', '0', '--config', 'empty.yaml'], 'empty.yaml'], [['start', '--port', '0'], 'switchyard.config.yaml'], [['validate'], 'switchyard.config.yaml']] as const) {
      const result = await runCli([...args], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stdout, args.join(' ')).toBe('');
      expect(result.stderr, args.join(' ')).toBe(`switchyard: the configuration has 1 problem:\n  ${name} (top level): ${reason}\n`);
    }
  });
});

describe('the data folder', () => {
  it('a server.data_dir that is a file: one line naming it, exit 2, no stack trace, with or without a master key', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': 'server:\n  data_dir: not-a-folder\n', 'not-a-folder': 'a file\n' });
    for (const env of [{ SWITCHYARD_MASTER_KEY: masterKey }, { SWITCHYARD_MASTER_KEY: '' }]) {
      const result = await runCli(['start', '--port', '0'], { cwd, env });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`switchyard: server.data_dir ${path.join(cwd, 'not-a-folder')} is a file, not a folder\n`);
    }
  });

  // Node 20's recursive mkdir retries for ever where mkdir answers ENOENT under a folder that exists (/proc): start hung without a word.
  it.skipIf(!existsSync('/proc/self'))('a server.data_dir where no folder can be made (under /proc): one line naming it, exit 2, no hang', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': 'server:\n  data_dir: /proc/switchyard-data\n' });
    const result = await runCli(['start', '--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('switchyard: server.data_dir /proc/switchyard-data: no folder can be made in /proc (ENOENT)\n');
  });
});

describe('one check for validate and start', () => {
  // A missing variable, a misspelt key, a model naming an unconfigured provider and a
  // placeholder key: once these came in three rounds, the last only from start.
  const config = [
    'providers:',
    '  mock: {}',
    '  openai:',
    '    api_key: ${SY_TEST_SURELY_UNSET_KEY}',
    '    bse_url: https://example.com/v1',
    'models:',
    '  fast: ghost/echo',
    'chain:',
    '  - auth:',
    '      keys:',
    '        - name: ci',
    '          key: sy-ci-change-me-0000000000',
    '  - route',
    '  - adapter',
  ].join('\n');
  const expected = [
    'switchyard: the configuration has 4 problems:',
    'switchyard.config.yaml:4 providers.openai.api_key: environment variable SY_TEST_SURELY_UNSET_KEY is not set (write ${SY_TEST_SURELY_UNSET_KEY:-default} for a default)',
    "switchyard.config.yaml:5 providers.openai.bse_url: unknown key (not allowed here); did you mean 'base_url'?",
    "switchyard.config.yaml:7 models.fast: The model 'fast' does not exist: no provider named 'ghost' is configured.",
    'switchyard.config.yaml:12 chain[0].auth.keys[0].key: is a placeholder key (it contains "change-me"): set a real secret, e.g. from an environment variable',
  ];

  it('validate reports every problem in one pass, each with file:line, and a "did you mean" for a misspelt key', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': config });
    const result = await runCli(['validate'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').map((line) => line.trim())).toEqual(expected);
  });

  it('start refuses the same config with the same lines, before writing anything', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': config });
    const result = await runCli(['start', '--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: '' } });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').map((line) => line.trim())).toEqual(expected);
    await expect(stat(path.join(cwd, '.switchyard'))).rejects.toThrow();
  });

  it('start refuses a SWITCHYARD_MASTER_KEY too short or with a space, naming the variable (not a master_key the file does not have)', async () => {
    const cwd = await folderWith();
    for (const key of ['short', 'a key with spaces 0123456789', 'sy-master-two-lines\n0123456789']) {
      const result = await runCli(['start', '--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: key } });
      expect(result.code, key).toBe(1);
      expect(result.stderr).toBe('switchyard: SWITCHYARD_MASTER_KEY must be at least 16 characters, without spaces or line breaks (a client sends it as "Bearer <key>")\n');
    }
  });

  it('start refuses a placeholder SWITCHYARD_MASTER_KEY in one line', async () => {
    const cwd = await folderWith();
    const result = await runCli(['start', '--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: 'sy-master-change-me' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('switchyard: SWITCHYARD_MASTER_KEY is a placeholder (it contains "change-me"): set a real secret\n');
  });
});

describe('switchyard start', () => {
  it('on a port already in use: one line, exit 1, and no master key generated, saved or printed', async () => {
    const busy = createServer();
    busy.listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const { port } = busy.address() as AddressInfo;
    try {
      const cwd = await folderWith();
      const result = await runCli(['start', '--port', String(port)], { cwd, env: { SWITCHYARD_MASTER_KEY: '' } });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`switchyard: cannot listen on 127.0.0.1:${port}: the address is already in use (is another gateway running?)\n`);
      expect(result.stderr + result.stdout).not.toMatch(/sy-master-/);
      await expect(stat(path.join(cwd, '.switchyard', 'master-key'))).rejects.toThrow();
    } finally {
      busy.close();
    }
  });

  it('an empty host (--host "$HOST" or host: ${HOST:-} with HOST unset) is refused, not every interface', async () => {
    // listen(port, '') binds :: — the gateway was served on every interface, past the loopback default.
    const cwd = await folderWith({ 'empty-host.yaml': 'server:\n  host: ${SY_TEST_UNSET_HOST:-}\n' });
    const flag = await runCli(['start', '--port', '0', '--host', ''], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe("switchyard: --host must name an address or a host, got ''\n");
    const file = await runCli(['start', '--port', '0', '--config', 'empty-host.yaml'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
    expect(file.code).toBe(1);
    expect(file.stderr).toBe('switchyard: the configuration has 1 problem:\n  empty-host.yaml:2 server.host: must NOT have fewer than 1 characters\n');
  });

  it('an IPv6 host is logged as a URL one can open: http://[::1]:port', async () => {
    const gateway = await startCli(['--port', '0', '--host', '::1'], { cwd: await folderWith(), env: { SWITCHYARD_MASTER_KEY: masterKey } });
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect(gateway.stdout()).toMatch(/switchyard listening on http:\/\/\[::1\]:\d+"/);
  });

  it('on a host name that does not resolve: one line naming it, exit 2 (1 if DNS itself failed), no stack', async () => {
    const cwd = await folderWith();
    // `.invalid` never resolves (RFC 2606), whatever the machine's resolver.
    const result = await runCli(['start', '--port', '0', '--host', 'switchyard.invalid'], { cwd, env: { SWITCHYARD_MASTER_KEY: '' } });
    const code = /\((ENOTFOUND|EAI_AGAIN|EAI_FAIL)\)\n$/.exec(result.stderr)?.[1];
    // ENOTFOUND is the name's fault, a wrong option; EAI_AGAIN and EAI_FAIL are the resolver's.
    expect(result.code).toBe(code === 'ENOTFOUND' ? 2 : 1);
    expect(result.stderr).toMatch(/^switchyard: cannot listen on switchyard\.invalid:0: the address is a host name that does not resolve \((ENOTFOUND|EAI_AGAIN|EAI_FAIL)\)\n$/);
    await expect(stat(path.join(cwd, '.switchyard', 'master-key'))).rejects.toThrow();
  });

  it.each(['0x10', '1e3', ' 80', '', '65536', '8080.0'])('refuses --port %j with exit 2 before starting', async (port) => {
    const result = await runCli(['start', '--port', port], { cwd: await folderWith(), env: { SWITCHYARD_MASTER_KEY: '' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`switchyard: --port must be an integer from 0 to 65535, got '${port}'\n`);
  });

  it('a SIGTERM sent the moment "listening" is logged stops it cleanly (exit 0), every time', async () => {
    const cwd = await folderWith();
    for (let round = 0; round < 3; round++) {
      const gateway = await startCli(['--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
      gateway.child.kill('SIGTERM');
      expect(await gateway.exited).toBe(0);
      expect(gateway.stdout()).toContain('"msg":"stopped"');
    }
  }, 60_000);

  it('log.format pretty writes lines for people; without a terminal the default is JSON', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': 'log:\n  format: pretty\n' });
    const pretty = await startCli(['--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
    pretty.child.kill('SIGTERM');
    expect(await pretty.exited).toBe(0);
    const lines = pretty.stdout().trim().split('\n');
    expect(lines.some((line) => /^\[\d\d:\d\d:\d\d\] INFO: switchyard listening on http:\/\/127\.0\.0\.1:\d+/.test(line))).toBe(true);
    expect(lines.every((line) => !line.startsWith('{'))).toBe(true);

    const json = await startCli(['--port', '0'], { cwd: await folderWith(), env: { SWITCHYARD_MASTER_KEY: masterKey } });
    json.child.kill('SIGTERM');
    expect(await json.exited).toBe(0);
    for (const line of json.stdout().trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
  }, 30_000);

  it('generates a master key once, stores it with mode 0600, and answers with it', async () => {
    const cwd = await folderWith();
    const first = await startCli(['--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: '' } });
    const keyFile = path.join(cwd, '.switchyard', 'master-key');
    const key = (await readFile(keyFile, 'utf8')).trim();
    expect(key).toMatch(/^sy-master-[\w-]{32}$/);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(first.stderr()).toContain(key);
    expect(first.stdout()).not.toContain(key);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(first.stdout())![1]);
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await startCli(['--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: '' } });
    expect(second.stderr()).not.toContain(key);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('started with V8 heap flags (as docs/deploy.md advises), its SQLite worker thread starts and answers', async () => {
    // A worker given these flags explicitly in execArgv refuses to start (ERR_WORKER_INVALID_EXEC_ARGV).
    const cwd = await folderWith();
    const run = await startCli(['--port', '0'], {
      cwd,
      env: { SWITCHYARD_MASTER_KEY: masterKey },
      nodeFlags: ['--max-old-space-size=512', '--max-semi-space-size=4'],
    });
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(run.stdout())![1]);
    const created = await fetch(`http://127.0.0.1:${port}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'heap-flags' }),
    });
    expect(created.status).toBe(201);
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { checks: { storage: { thread: string; healthy: boolean; worker_restarts: number } } };
    expect(health.checks.storage).toMatchObject({ thread: 'worker', healthy: true, worker_restarts: 0 });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    // A whole gateway process started and stopped: past 20 s once on a loaded machine.
  }, 60_000);

  it('on SIGTERM stops taking new requests but lets a stream in flight finish', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': 'providers:\n  mock:\n    chunk_delay_ms: 60\n' });
    const gateway = await startCli(['--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(gateway.stdout())![1]);
    const words = Array.from({ length: 12 }, (_, index) => `w${index}`).join(' ');
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({ model: 'mock/echo', stream: true, messages: [{ role: 'user', content: words }] }),
    });
    const reader = response.body!.getReader();
    await reader.read(); // the stream has begun
    gateway.child.kill('SIGTERM');
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    expect(text).toContain('w11');
    expect(await gateway.exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    expect(gateway.stdout()).toContain('shutting down');
  });

  it('a plugin that fails at start in a way no one foresaw: its words are a config problem naming it, key-shaped secrets and a URL\'s password blanked', async () => {
    const result = await startWithThrowingProvider(
      'providers:\n  acme:\n    use: ./thrower.js\n    api_key: sk-proj-plugin0secret0123456789\n',
      "{ type: 'object', properties: { api_key: { type: 'string' } } }",
      'cannot sign in to https://svc:Hunter2-proxy-pw@proxy.internal with ${options.api_key}',
    );
    expect(result.code).toBe(1);
    // The plugin's words at its config line, for its author: only the secrets are gone.
    expect(result.stderr).toContain("providers.acme: The provider plugin 'thrower' failed to build: cannot sign in to https://svc:[REDACTED]@proxy.internal with [REDACTED]\n");
    expect(result.stderr).not.toMatch(/Hunter2|plugin0secret/);
  });

  it('a plugin that fails at start quoting credentials of no known shape (a secret key, a session token, an extra header\'s): they are blanked too', async () => {
    const secretKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzSTARTKEY';
    const sessionToken = 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDstartTkn';
    const headerCredential = 'vllmStartCredential0123456789';
    const result = await startWithThrowingProvider(
      [
        'providers:',
        '  acme:',
        '    use: ./thrower.js',
        `    secret_access_key: ${secretKey}`,
        `    session_token: ${sessionToken}`,
        '    max_tokens_field: max_completion_tokens',
        '    headers:',
        `      X-Upstream-Credential: ${headerCredential}`,
        '',
      ].join('\n'),
      "{ type: 'object' }",
      'cannot start with ${JSON.stringify(options)}',
    );
    expect(result.code).toBe(1);
    // The plugin's words, for its author: only the credentials are gone (an option that is none is kept).
    expect(result.stderr).toContain("providers.acme: The provider plugin 'thrower' failed to build: cannot start with {");
    expect(result.stderr).toContain('"max_tokens_field":"max_completion_tokens"');
    for (const secret of [secretKey, sessionToken, headerCredential]) {
      expect(result.stderr).not.toContain(secret.slice(0, 12));
      expect(result.stderr).not.toContain(secret.slice(-12));
    }
  });

  it('refuses a bad config without a stack trace', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': 'providers:\n  mock:\n    latency_ms: soon\n' });
    const result = await runCli(['start', '--port', '0'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'switchyard: the configuration has 1 problem:',
      '  switchyard.config.yaml:3 providers.mock.latency_ms: expected integer',
    ]);
  });
});

describe('npm start', () => {
  it('says it is building, then starting, then serves; SIGTERM reaches the gateway and its exit code is npm start\'s', async () => {
    const cwd = await folderWith();
    const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../scripts/start.js');
    const child = spawn(process.execPath, [script, '--port', '0'], { cwd, env: { ...process.env, SWITCHYARD_MASTER_KEY: masterKey } });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('switchyard listening')) resolve();
      });
      void exited.then(() => reject(new Error(`npm start ended early:\n${stderr}\n${stdout}`)));
    });
    expect(stderr).toMatch(/^switchyard: building (all packages \(the first run takes about a minute\)|what changed)…\n/);
    expect(stderr).toMatch(/switchyard: built in \d+ s; starting the gateway…\n/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('"msg":"stopped"');
  }, 120_000);
});

