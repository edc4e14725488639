import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../test/support/run-cli.js';

// Each test runs the CLI two to six times, a node process each: ~19 s of the default 20 s under a load of 12-16.
vi.setConfig({ testTimeout: 60_000 });

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

/** The one line each command printed for a config problem, and how it exited, without a stack trace. */
function expectOneProblem(results: Array<{ code: number | null; stdout: string; stderr: string }>, line: string, secret: string) {
  for (const { code, stdout, stderr } of results) {
    expect(stdout).toBe('');
    expect(stderr).toBe(`switchyard: the configuration has 1 problem:\n  ${line}\n`);
    expect(stderr).not.toContain(secret);
    expect(code).toBe(1);
  }
}

/*
 * A Redis URL whose password holds an unencoded '/': the schema checked only `^rediss?://`, validate said
 * "valid", and start died in ioredis with "TypeError: Invalid URL" and a stack trace. Digits before the
 * '/' were worse: the URL parsed, with the user name as the host.
 */
describe('validate and start: a Redis URL whose password is not percent-encoded', () => {
  const chain = (url: string) => `chain:\n  - auth\n  - rate-limit:\n      store:\n        use: redis\n        url: "${url}"\n  - route\n  - adapter\n`;
  const encodeIt = "its user name or password holds '/' as it is: percent-encode it (encodeURIComponent; '/' is %2F)";
  for (const [name, url, secret] of [
    ['letters', 'redis://default:ab/cd@127.0.0.1:6379', 'ab/cd'],
    ['digits, read as a port', 'redis://default:1234/5678@127.0.0.1:6379', '1234/5678'],
  ] as const) {
    it(`${name}: the same problem from both, naming the config path, the password not printed`, async () => {
      await writeFile(path.join(cwd, 'redis.yaml'), chain(url));
      expectOneProblem(await both('redis.yaml'), `redis.yaml:6 chain[1].rate-limit.store.url: ${encodeIt}`, secret);
    });
  }

  it('every Redis URL option: cache, circuit-breaker and the auth step\'s invalidation', async () => {
    const url = 'redis://:ab/cd@127.0.0.1:6379';
    for (const [step, options, where] of [
      ['cache', 'store:\n        use: redis\n        url', 'chain[1].cache.store.url'],
      ['circuit-breaker', 'shared:\n        use: redis\n        url', 'chain[1].circuit-breaker.shared.url'],
      ['auth', 'invalidation:\n        use: redis\n        url', 'chain[1].auth.invalidation.url'],
    ] as const) {
      await writeFile(path.join(cwd, 'step.yaml'), `chain:\n  - key-scope\n  - ${step}:\n      ${options}: "${url}"\n  - route\n  - adapter\n`);
      const validate = await runCli(['validate', '--config', 'step.yaml'], { cwd, env: { SWITCHYARD_MASTER_KEY: '' } });
      expect(validate.stderr, step).toMatch(new RegExp(`^switchyard: the configuration has 1 problem:\\n  step\\.yaml:\\d+ ${where.replace(/[.[\]]/g, '\\$&')}: ${encodeIt.replace(/[.()'/%?]/g, '\\$&')}\\n$`));
      expect(validate.code, step).toBe(1);
    }
  });

  it('a URL from an environment variable set only for start: start says the same, no stack trace', async () => {
    await writeFile(path.join(cwd, 'redis-env.yaml'), chain('${REDIS_URL}'));
    const validate = await runCli(['validate', '--config', 'redis-env.yaml'], { cwd, env: { SWITCHYARD_MASTER_KEY: '', REDIS_URL: 'redis://127.0.0.1:6379' } });
    expect(validate.code).toBe(0);
    const start = await runCli(['start', '--config', 'redis-env.yaml', '--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: '', REDIS_URL: 'redis://default:ab/cd@127.0.0.1:6379' } });
    expectOneProblem([start], `redis-env.yaml:6 chain[1].rate-limit.store.url: ${encodeIt}`, 'ab/cd');
  });

  it('a database that is not a number, and a URL that is no URL', async () => {
    for (const [url, message] of [
      ['redis://127.0.0.1:6379/cache', 'the path after the host must be a database number (redis://host:6379/0)'],
      ['redis://127.0.0.1:99999', 'is not a Redis URL (redis://[user:password@]host:port[/db], or rediss:// for TLS)'],
    ] as const) {
      await writeFile(path.join(cwd, 'redis.yaml'), chain(url));
      expectOneProblem(await both('redis.yaml'), `redis.yaml:6 chain[1].rate-limit.store.url: ${message}`, 'no secret here');
    }
  });
});

/*
 * A provider's base_url with `user:pass@`: the credentials were dropped without a word (never sent), and
 * a base_url no URL parser reads (a port past 65535) passed validate and was a stack trace at start.
 */
describe('validate and start: a provider base_url', () => {
  const provider = (url: string) => `providers:\n  openai:\n    api_key: \${SWITCHYARD_TEST_UNSET_KEY:-sk-abcdefghijklmnopqrstuvwxyz0123}\n    base_url: "${url}"\nmodels:\n  m: openai/gpt-4o\n`;
  it('with credentials in it: refused by both, the password not printed', async () => {
    for (const url of ['https://user:hunter2secret@api.example.com/v1', 'https://user:hunter2/secret@api.example.com/v1']) {
      await writeFile(path.join(cwd, 'base.yaml'), provider(url));
      expectOneProblem(
        await both('base.yaml'),
        'base.yaml:4 providers.openai.base_url: holds a user name or password (user:password@), which the gateway never sends: give the key as api_key, from an environment variable',
        'hunter2secret',
      );
    }
  });

  it("an '@' in its path is no password", async () => {
    await writeFile(path.join(cwd, 'base.yaml'), provider('https://gateway.example.com/v1/run/@cf'));
    const validate = await runCli(['validate', '--config', 'base.yaml'], { cwd, env: { SWITCHYARD_MASTER_KEY: '' } });
    expect(validate.stderr).toBe('');
    expect(validate.code).toBe(0);
  });

  it('that no URL parser reads: refused by both', async () => {
    for (const url of ['https://api.example.com:99999/v1', 'https://[api.example.com/v1']) {
      await writeFile(path.join(cwd, 'base.yaml'), provider(url));
      expectOneProblem(await both('base.yaml'), 'base.yaml:4 providers.openai.base_url: is not a URL (https://host[:port][/path])', 'no secret here');
    }
  });
});

/* The auth step's invalidation.use: postgres over SQLite storage: validate said "valid", start threw with a stack trace. */
describe('validate and start: key-change invalidation through a PostgreSQL the storage is not', () => {
  it('the same problem from both, exit 1', async () => {
    for (const storage of ['', 'storage:\n  use: sqlite\n']) {
      await writeFile(path.join(cwd, 'invalidation.yaml'), `${storage}chain:\n  - auth:\n      invalidation:\n        use: postgres\n  - route\n  - adapter\n`);
      const line = storage ? 6 : 4;
      expectOneProblem(
        await both('invalidation.yaml'),
        `invalidation.yaml:${line} chain[0].auth.invalidation.use: is postgres, but the storage is not PostgreSQL (it is SQLite, which has no channel): use storage, redis or none`,
        'no secret here',
      );
    }
  });
});

/* Provider headers no HTTP request can carry: validate said "valid", and every call was a 500 internal_error ("invalid header key"). */
describe('validate and start: a provider header no request can carry', () => {
  it('a name with a space, a value with a line break: refused by both, the value not printed', async () => {
    await writeFile(
      path.join(cwd, 'headers.yaml'),
      'providers:\n  openai:\n    api_key: sk-abcdefghijklmnopqrstuvwxyz0123\n    headers:\n      "x bad": one\n      x-token: "Bearer line-secret\\r\\n"\nmodels:\n  m: openai/gpt-4o\n',
    );
    for (const { code, stdout, stderr } of await both('headers.yaml')) {
      expect(stdout).toBe('');
      expect(stderr).toBe(
        'switchyard: the configuration has 2 problems:\n' +
          "  headers.yaml:5 providers.openai.headers.x bad: is not a header name (letters, digits and !#$%&'*+-.^_`|~ only)\n" +
          '  headers.yaml:6 providers.openai.headers.x-token: holds a line break or another control character, which no HTTP header can carry\n',
      );
      expect(stderr).not.toContain('line-secret');
      expect(code).toBe(1);
    }
  });
});

/*
 * A SQLite storage.path that is a folder, or under a file: validate said "valid", start refused it only when
 * the database would not open. One under /proc hung start for 30 s (Node's recursive mkdir retries ENOENT
 * there for ever, in the SQLite thread) before a line about a thread that did not start.
 */
describe('validate and start: a SQLite storage.path that cannot be a database file', () => {
  for (const [name, written, line] of [
    ['a folder', '.', (cwd: string) => `storage.path ${cwd} is a folder, not a database file`],
    ['under a file', './a-file/x.db', (cwd: string) => `storage.path ${path.join(cwd, 'a-file/x.db')} is under ${path.join(cwd, 'a-file')}, a file, not a folder`],
  ] as const) {
    it(`${name}: the same line from both, exit 2`, async () => {
      await writeFile(path.join(cwd, 'a-file'), 'x');
      await writeFile(path.join(cwd, 'sqlite-path.yaml'), `server:\n  data_dir: .\nstorage:\n  use: sqlite\n  path: ${written}\n`);
      for (const { code, stdout, stderr } of await both('sqlite-path.yaml')) {
        expect(stdout).toBe('');
        expect(stderr).toBe(`switchyard: ${line(cwd)}\n`);
        expect(code).toBe(2);
      }
    });
  }

  it('under /proc: start says so in one line, exit 2, without waiting', async () => {
    await writeFile(path.join(cwd, 'sqlite-proc.yaml'), 'storage:\n  use: sqlite\n  path: /proc/switchyard-nope/x.db\n');
    const start = await runCli(['start', '--config', 'sqlite-proc.yaml', '--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: '' } });
    expect(start.stderr).toBe('switchyard: storage.path /proc/switchyard-nope/x.db: no folder can be made in /proc (ENOENT)\n');
    expect(start.code).toBe(2);
  });
});

/*
 * An ingress plugin whose routes overlap the gateway's own (examples/ingress-gemini with
 * `base_path: /v1`, which its README says is refused at start): validate said "valid", and
 * start died with "switchyard: Error: ingress plugin …" and a stack trace, exit 1. Both now
 * list every such problem as a config problem at the plugin's entry.
 */
describe('validate and start: an ingress plugin whose routes overlap the gateway\'s own', () => {
  it('the same problem from both, exit 1, no stack trace; its default base_path is valid', async () => {
    await writeFile(path.join(cwd, 'ingress.yaml'), "providers:\n  mock: {}\ningress:\n  gemini:\n    use: '@switchyard/example-ingress-gemini'\n    base_path: /v1\n");
    for (const { code, stdout, stderr } of await both('ingress.yaml')) {
      expect(stdout).toBe('');
      expect(stderr).toBe(
        'switchyard: the configuration has 3 problems:\n' +
          `  ingress.yaml:5 ingress.gemini: ingress plugin "gemini": route path /v1/models/:model\\:generateContent overlaps the gateway's own /v1/models routes\n` +
          `  ingress.yaml:5 ingress.gemini: ingress plugin "gemini": route path /v1/models/:model\\:streamGenerateContent overlaps the gateway's own /v1/models routes\n` +
          `  ingress.yaml:5 ingress.gemini: ingress plugin "gemini": pathPrefix /v1 overlaps the gateway's own /v1/chat/ routes\n`,
      );
      expect(code).toBe(1);
    }
    await writeFile(path.join(cwd, 'ingress.yaml'), "providers:\n  mock: {}\ningress:\n  gemini:\n    use: '@switchyard/example-ingress-gemini'\n");
    const valid = await runCli(['validate', '--config', 'ingress.yaml'], { cwd, env: { SWITCHYARD_MASTER_KEY: '' } });
    expect(valid.stdout).toContain('ingress.yaml: valid');
    expect(valid.code).toBe(0);
  });
});
