import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/run-cli.js';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-validate-hostile-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/*
 * A config file is read as UTF-8. Bytes that are not (a file saved as Latin-1 or UTF-16, a
 * value pasted from a binary) were each read as U+FFFD without a word: `validate` said
 * "valid", and the gateway served a host, a header or a key that is not what the file says.
 */
describe('switchyard validate: a file that is not UTF-8', () => {
  const cases: Array<[string, string, Buffer]> = [
    ['a Latin-1 byte in a YAML value', 'latin1.yaml', Buffer.from('server:\n  host: "caf\xe9.internal"\n', 'latin1')],
    ['a UTF-16 file (with its byte order mark)', 'utf16.yaml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('server:\n  port: 4001\n', 'utf16le')])],
    ['a stray byte in a JSON config', 'bad.json', Buffer.from('{"server": {"host": "a\xffb"}}', 'latin1')],
  ];
  for (const [name, file, bytes] of cases) {
    it(`${name}: one problem saying so, exit 1`, async () => {
      await writeFile(path.join(cwd, file), bytes);
      const { code, stdout, stderr } = await runCli(['validate', '--config', file], { cwd });
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/not UTF-8/);
      expect(stderr).not.toContain('\uFFFD');
    });
  }

  it('a real U+FFFD written in UTF-8 is text like any other', async () => {
    await writeFile(path.join(cwd, 'replacement.yaml'), 'server:\n  data_dir: "./data-\uFFFD"\n');
    const { code, stderr } = await runCli(['validate', '--config', 'replacement.yaml'], { cwd });
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

/*
 * YAML nested a few thousand levels deep (well within the 1 MiB bound) overflows the parser's
 * stack: the problem said "Maximum call stack size exceeded", as if the gateway had crashed.
 */
describe('switchyard validate: YAML nested thousands of levels deep', () => {
  for (const [name, text] of [
    ['flow maps', `a: ${'{b: '.repeat(5000)}1${'}'.repeat(5000)}\n`],
    ['flow lists', `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`],
  ] as const) {
    it(`${name}: one problem saying it nests too deeply, exit 1`, async () => {
      await writeFile(path.join(cwd, 'deep.yaml'), text);
      const { code, stdout, stderr } = await runCli(['validate', '--config', 'deep.yaml'], { cwd });
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/deep\.yaml:1 \(top level\): cannot read config: .*nest/);
      expect(stderr).not.toMatch(/call stack/i);
    });
  }
});

/*
 * --config naming a folder said "EISDIR: illegal operation on a directory, read"; naming a
 * device that never ends (/dev/zero, /dev/urandom) read ~600 MB for some ten seconds before
 * "Invalid string length". Both are now refused as what they are, before any read.
 */
describe('switchyard validate --config naming what is not a file', () => {
  for (const [name, target, words] of [
    ['a folder', '.', /is a folder, not a file/],
    ['an endless device', '/dev/zero', /is a device, not a file/],
  ] as const) {
    it(`${name}: one problem saying so, exit 1`, async () => {
      const { code, stdout, stderr } = await runCli(['validate', '--config', target], { cwd });
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(words);
      expect(stderr).not.toMatch(/EISDIR|Invalid string length/);
    });
  }
});

/*
 * A "${" that starts no reference (`${OPENAI-API-KEY}`, `${KEY`, a key pasted between the braces) stayed in
 * the value as its text: validate said "valid", start served, and the provider was sent the text as the key.
 */
describe('switchyard validate and start: a ${…} that is no variable reference', () => {
  const secret = 'sk-proj-0123456789abcdefghijklmnopqrstuvwxyz';
  for (const [name, value] of [
    ['a dash in the name', '${OPENAI-API-KEY}'],
    ['an unclosed brace', '${OPENAI_API_KEY'],
    ['a key pasted inside the braces', `\${${secret}}`],
  ] as const) {
    it(`${name}: the same problem from both, exit 1, the text not quoted`, async () => {
      await writeFile(path.join(cwd, 'bad-reference.yaml'), `providers:\n  openai:\n    api_key: "${value}"\n`);
      const env = { OPENAI_API_KEY: 'sk-set-in-the-environment' };
      const validate = await runCli(['validate', '--config', 'bad-reference.yaml'], { cwd, env });
      const start = await runCli(['start', '--config', 'bad-reference.yaml', '--port', '0'], { cwd, env });
      for (const { code, stdout, stderr } of [validate, start]) {
        expect(stdout).toBe('');
        expect(stderr).toBe(
          'switchyard: the configuration has 1 problem:\n' +
            '  bad-reference.yaml:3 providers.openai.api_key: holds a "${" that is not a variable reference: write ${NAME} or ${NAME:-default}, NAME of letters, digits and _ (not starting with a digit)\n',
        );
        expect(code).toBe(1);
      }
    });
  }
});

/*
 * cosmiconfig's JavaScript loader retried a module that failed to import with require(), and its
 * words were reported: an .mjs config cut short said "Cannot require() ES Module … not yet fully
 * loaded … a race condition"; `throw 5` said "Cannot create property 'filepath' on number '5'";
 * a .toml file said 'No loader specified for extension ".toml"'.
 */
describe('switchyard validate: a JavaScript config that does not load, a file of another kind', () => {
  for (const [file, text, reason] of [
    ['cut.mjs', 'export default {', 'Unexpected end of input'],
    ['cut.cjs', 'module.exports = {', 'Unexpected end of input'],
    ['throws-a-number.mjs', 'throw 5;', 'the file threw something that is not an Error while it was loaded'],
    ['switchyard.toml', '[server]\nport = 4001\n', 'a config file is YAML (.yaml, .yml, or no extension), JSON (.json), JavaScript (.js, .cjs, .mjs) or TypeScript (.ts), not .toml'],
    // A TypeScript module of another extension: the one TypeScript extension read is named (it was left out).
    ['switchyard.config.mts', 'export default {};\n', 'a config file is YAML (.yaml, .yml, or no extension), JSON (.json), JavaScript (.js, .cjs, .mjs) or TypeScript (.ts), not .mts'],
    ['switchyard.config.cts', 'module.exports = {};\n', 'a config file is YAML (.yaml, .yml, or no extension), JSON (.json), JavaScript (.js, .cjs, .mjs) or TypeScript (.ts), not .cts'],
  ] as const) {
    it(`${file}: one problem with the reason, exit 1`, async () => {
      await writeFile(path.join(cwd, file), text);
      const { code, stdout, stderr } = await runCli(['validate', '--config', file], { cwd });
      expect(stdout).toBe('');
      expect(stderr).toBe(`switchyard: the configuration has 1 problem:\n  ${file} (top level): cannot read config: ${reason}\n`);
      expect(code).toBe(1);
    });
  }

  it('an ES module and a CommonJS config that load are read as before', async () => {
    await writeFile(path.join(cwd, 'fine.mjs'), 'export default { server: { port: 4001 } };\n');
    await writeFile(path.join(cwd, 'fine.cjs'), 'module.exports = { server: { port: 4001 } };\n');
    for (const file of ['fine.mjs', 'fine.cjs']) {
      const { code, stdout, stderr } = await runCli(['validate', '--config', file], { cwd });
      expect(stderr).toBe('');
      expect(stdout).toMatch(new RegExp(`^${file.replace('.', '\\.')}: valid`));
      expect(code).toBe(0);
    }
  });
});

/*
 * cosmiconfig, building its explorer, first looked in the working folder for a config of its own
 * ("meta" config: package.json's "cosmiconfig" key, .config/config.{json,yaml,js,…}). So `switchyard
 * validate` or `start` in a folder holding another tool's .config/config.js ran it, and a package.json
 * that does not parse was a stack trace quoting the file's text.
 */
describe('switchyard validate: other tools\' files in the working folder', () => {
  it('a .config/config.js is not run; the config found is the one searched for', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'switchyard-meta-'));
    try {
      await mkdir(path.join(folder, '.config'));
      await writeFile(path.join(folder, '.config', 'config.js'), "require('node:fs').writeFileSync(require('node:path').join(__dirname, 'ran'), 'x');\nmodule.exports = {};\n");
      await writeFile(path.join(folder, 'switchyard.config.yaml'), 'server:\n  port: 4001\n');
      const { code, stdout, stderr } = await runCli(['validate'], { cwd: folder });
      expect(stderr).toBe('');
      expect(stdout).toMatch(/^switchyard\.config\.yaml: valid/);
      expect(code).toBe(0);
      await expect(access(path.join(folder, '.config', 'ran'))).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('a package.json that does not parse is one problem naming it, its text not quoted', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'switchyard-meta-'));
    try {
      await writeFile(path.join(folder, 'package.json'), '{"name": "app", "token": "e0f1e2d3c4b5a6",}');
      const { code, stdout, stderr } = await runCli(['validate'], { cwd: folder });
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^switchyard: the configuration has 1 problem:\n  package\.json:1 \(top level\): cannot read config: .*JSON.*\n$/);
      expect(stderr).not.toContain('e0f1e2d3c4b5a6');
      expect(code).toBe(1);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

/*
 * YAML 1.2 reads `0x10` as 16, `0o10` as 8 and `010` as 10 (YAML 1.1 readers, and people, as 8):
 * `port: 0x1F90` or `max_tokens: 010` was served as a number the file does not plainly say,
 * and `validate` said "valid". A key written unquoted with a leading zero lost it.
 */
describe('switchyard validate: a number in hex, octal or with a leading zero', () => {
  for (const [written, line] of [
    ['server:\n  port: 0x1F90\n', 2],
    ['server:\n  port: 0o7640\n', 2],
    ['server:\n  host: 127.0.0.1\n  port: 04000\n', 3],
    ['chain:\n  - circuit-breaker:\n      reset_timeout_ms: -010\n  - adapter\n', 3],
  ] as const) {
    it(`${JSON.stringify(written)}: one problem at line ${line} saying to write it in decimal, exit 1`, async () => {
      await writeFile(path.join(cwd, 'radix.yaml'), written);
      const { code, stdout, stderr } = await runCli(['validate', '--config', 'radix.yaml'], { cwd });
      expect(stdout).toBe('');
      expect(stderr).toMatch(new RegExp(`radix\\.yaml:${line} \\(top level\\): cannot read config: .*hex, octal or with a leading zero.*decimal`));
      expect(code).toBe(1);
    });
  }

  it('decimal numbers, 0, and the same digits in quotes are read as before', async () => {
    await writeFile(path.join(cwd, 'decimal.yaml'), 'server:\n  port: 0\n  data_dir: "0x10"\n  shutdown_timeout_ms: 1e3\n');
    const { code, stderr } = await runCli(['validate', '--config', 'decimal.yaml'], { cwd });
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

/*
 * `host: ${HOST}` with HOST read from a file keeps its line break (`HOST=$(cat host.txt)`), and a
 * space pasted before an address stays: no address or name holds either. validate said "valid";
 * start could not listen (exit 2).
 */
describe('switchyard validate: server.host holding whitespace or a control character', () => {
  for (const host of ['127.0.0.1\n', ' 127.0.0.1', 'gateway internal', '127.0.0.1\t']) {
    it(`${JSON.stringify(host)}: a problem at server.host, exit 1`, async () => {
      await writeFile(path.join(cwd, 'host.yaml'), 'server:\n  host: ${SWITCHYARD_TEST_HOST}\n');
      const { code, stdout, stderr } = await runCli(['validate', '--config', 'host.yaml'], { cwd, env: { SWITCHYARD_TEST_HOST: host } });
      expect(stdout).toBe('');
      expect(stderr).toMatch(/host\.yaml:2 server\.host: .*(space|control)/);
      expect(code).toBe(1);
    });
  }
});

/*
 * JSON.parse keeps the last of a key written twice, without a word (a YAML config's is refused):
 * `"port": 4000, …, "port": 4001` served 4001. And a JSON file saved with a byte order mark
 * (Notepad's "UTF-8 with BOM") was refused as "Unexpected token '\ufeff'", where YAML reads one.
 */
describe('switchyard validate: JSON keys written twice, and a byte order mark', () => {
  it('a key written twice: one problem at its line, exit 1', async () => {
    await writeFile(path.join(cwd, 'twice.json'), '{\n  "server": {\n    "port": 4000,\n    "host": "127.0.0.1",\n    "port": 4001\n  }\n}\n');
    const { code, stdout, stderr } = await runCli(['validate', '--config', 'twice.json'], { cwd });
    expect(stdout).toBe('');
    expect(stderr).toMatch(/twice\.json:5 \(top level\): cannot read config: Map keys must be unique at line 5/);
    expect(code).toBe(1);
  });

  it('a file saved with a byte order mark is read as without one', async () => {
    await writeFile(path.join(cwd, 'bom.json'), '\uFEFF{"server": {"port": 4001}}\n');
    const { code, stdout, stderr } = await runCli(['validate', '--config', 'bom.json'], { cwd });
    expect(stderr).toBe('');
    expect(stdout).toContain('bom.json: valid');
    expect(code).toBe(0);
  });
});

/*
 * A key that is a list or a map (`? [a, b]`, `[a, b]: 1`, a key aliasing an anchored map) is
 * made a string by the parser, which said so through process.emitWarning: a stray
 * `(node:…) Warning: Keys with collection values will be stringified …` line on stderr quoting
 * the key (any text of the file), and the key refused as `[ a, b ]: unknown key` with no line.
 */
describe('switchyard validate: a key that is a list or a map', () => {
  for (const [name, text, line] of [
    ['a complex key (? [a, b])', 'server:\n  port: 4001\n? [sk-0123456789, b]\n: 1\n', 3],
    ['a flow list as a key', 'server:\n  port: 4001\n[sk-0123456789, b]: 1\n', 3],
    ['an alias of a map as a key', 'server: &s\n  port: 4001\nmodels:\n  *s : mock/echo\n', 4],
  ] as const) {
    it(`${name}: one problem with its line, nothing else on stderr, the key not quoted, exit 1`, async () => {
      await writeFile(path.join(cwd, 'collection-key.yaml'), text);
      const { code, stdout, stderr } = await runCli(['validate', '--config', 'collection-key.yaml'], { cwd });
      expect(stderr).toBe(
        'switchyard: the configuration has 1 problem:\n' +
          `  collection-key.yaml:${line} (top level): cannot read config: a key is a list or a map; a config's keys are names\n`,
      );
      expect(stdout).toBe('');
      expect(code).toBe(1);
    });
  }
});

/*
 * A JavaScript config whose loading waits on a promise nothing will settle (a top-level await
 * of a secret fetch that was never started, `await new Promise(() => {})`): the event loop
 * emptied while the command waited, and Node exited 0 without a word. `validate` "passed" and
 * `start` exited 0 without serving, which a supervisor reads as a clean stop.
 */
describe('switchyard validate/start: a JavaScript config whose loading never finishes', () => {
  for (const command of [['validate'], ['start', '--port', '0']]) {
    it(`${command[0]}: one line saying it never finished, exit 1`, async () => {
      await writeFile(path.join(cwd, 'never.mjs'), 'await new Promise(() => {});\nexport default {};\n');
      const { code, stdout, stderr } = await runCli([...command, '--config', 'never.mjs'], {
        cwd,
        env: { SWITCHYARD_MASTER_KEY: 'sy-master-never-finishes-0123456789' },
        timeoutMs: 10_000,
      });
      expect(stderr).toBe(
        `switchyard: ${command[0]} stopped unfinished: it waited on something that will never finish (a promise of a JavaScript config or a plugin that nothing settles)\n`,
      );
      expect(stdout).toBe('');
      expect(code).toBe(1);
    });
  }
});
