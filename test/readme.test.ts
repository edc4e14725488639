import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInPlugins } from '@switchyard/cli';
import { checkGatewayConfig, ConfigError, readConfigFile } from '@switchyard/core';
import { portOutsideEphemeralRange } from '@switchyard/testing';
import { spawnSwitchyard, type SpawnedSwitchyard } from './support/spawn-switchyard.js';

/*
 * Every shell, JavaScript/TypeScript and YAML block of README.md and of the examples'
 * READMEs, run as written, in order, against a fresh gateway, so a snippet cannot rot.
 *
 * What the test changes, and only this:
 * - It works in a fresh folder laid out like the repository (config/ and examples/
 *   copied in), under node_modules/.cache so `npx switchyard` and package imports
 *   resolve from this checkout.
 * - For README.md it first starts the gateway `npm start` would (`switchyard start`,
 *   no config: the built-in mock), since `npm ci && npm start` cannot run inside a test.
 *   The `switchyard keys`/`usage` commands find it through SWITCHYARD_URL, the
 *   address the README implies (127.0.0.1:4000) being taken by nothing here.
 * - Servers listen on free ports; `127.0.0.1:<port>` in later blocks is rewritten to
 *   the real address.
 * - Blocks share one environment, like one terminal: what a shell block exports,
 *   later blocks see. A `${VAR}` in YAML or `process.env.VAR` in a script that no
 *   block sets gets a placeholder value (a real provider key is never needed).
 * Markers, an HTML comment on the line right before a block:
 *   <!-- readme-test: skip (reason) -->                  not run, reported as skipped with the reason
 *   <!-- readme-test: background HOST:PORT (reason) -->  a server: started on a free port, stopped at the end
 *   <!-- readme-test: key-id (reason) -->                `key_…` stands for the last key id printed
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'packages/cli/dist/bin.js');
const placeholder = 'readme-test-placeholder-0123456789';

interface Block {
  lang: string;
  code: string;
  line: number;
  directive?: { name: string; argument?: string; reason: string };
}

const runnable = new Set(['sh', 'bash', 'js', 'mjs', 'ts', 'yaml', 'yml']);

/** The fenced blocks of a markdown text, with the marker that precedes each. */
export function extractBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let index = 0; index < lines.length; index++) {
    const fence = /^```(\w*)\s*$/.exec(lines[index]!);
    if (!fence) continue;
    const start = index;
    const body: string[] = [];
    for (index++; index < lines.length && !/^```\s*$/.test(lines[index]!); index++) body.push(lines[index]!);
    const marker = /^<!-- readme-test: ([\w-]+)(?: (\S+))? \((.+)\) -->$/.exec(lines[start - 1] ?? '');
    blocks.push({
      lang: fence[1]!,
      code: `${body.join('\n')}\n`,
      line: start + 1,
      ...(marker && { directive: { name: marker[1]!, ...(marker[2] && { argument: marker[2] }), reason: marker[3]! } }),
    });
  }
  return blocks;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** One README's run: its folder, its environment, its servers. */
class Session {
  env: NodeJS.ProcessEnv;
  readonly addresses = new Map<string, string>();
  readonly servers: SpawnedSwitchyard[] = [];
  lastOutput = '';
  private counter = 0;

  constructor(
    readonly dir: string,
    readonly readmeDir: string,
  ) {
    const env: NodeJS.ProcessEnv = {};
    // A fresh terminal: none of the caller's Switchyard or provider settings.
    for (const [name, value] of Object.entries(process.env)) {
      if (!/^(SWITCHYARD_|OPENAI_|ANTHROPIC_|ACME_|PORT$|LOG_LEVEL$|CI_GATEWAY_KEY$)/.test(name)) env[name] = value;
    }
    env['npm_config_offline'] = 'true';
    this.env = env;
  }

  rewrite(code: string): string {
    let result = code;
    for (const [written, actual] of this.addresses) result = result.replaceAll(`http://${written}`, actual).replaceAll(written, actual.replace('http://', ''));
    return result;
  }

  /** The environment with a placeholder for each variable the text reads that nothing set. */
  envFor(text: string): NodeJS.ProcessEnv {
    const env = { ...this.env };
    const names = [...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g), ...text.matchAll(/process\.env\.([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1]!);
    for (const name of names) if (env[name] === undefined && name !== 'PORT') env[name] = placeholder;
    return env;
  }

  file(extension: string, folder = this.dir): string {
    return path.join(folder, `readme-block-${++this.counter}.${extension}`);
  }

  async start(command: string, args: string[], address: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<void> {
    const server = await spawnSwitchyard(command, args, { cwd: this.dir, env: { ...this.env, ...extraEnv } });
    this.servers.push(server);
    this.addresses.set(address, server.origin);
  }
}

async function runBlock(session: Session, block: Block): Promise<void> {
  const background = block.directive?.name === 'background';
  let code = session.rewrite(block.code);
  if (block.directive?.name === 'key-id') {
    const id = [...session.lastOutput.matchAll(/\bkey_[A-Za-z0-9_-]+/g)].at(-1)?.[0];
    expect(id, 'a key id printed by an earlier block').toBeDefined();
    code = code.replaceAll('key_…', id!);
  }

  if (block.lang === 'sh' || block.lang === 'bash') {
    if (background) {
      // Port 0: the gateway says where it listens; a port picked free beforehand can be taken first.
      const command = code.trim().replace(/&$/, '').trim();
      await session.start('bash', ['-c', `exec ${command} --port 0`], block.directive!.argument ?? '127.0.0.1:4000');
      return;
    }
    const envFile = session.file('env');
    const script = `set -eo pipefail\n${code}\nenv -0 > ${JSON.stringify(envFile)}\n`;
    const result = await run('bash', ['-c', script], session.dir, session.envFor(code));
    session.lastOutput = result.stdout + result.stderr;
    expect(result.code, `exit code; output:\n${session.lastOutput}`).toBe(0);
    // curl exits 0 on an HTTP error: an OpenAI-shaped error body is a failure too.
    expect(result.stdout).not.toMatch(/"error"\s*:\s*\{/);
    session.env = Object.fromEntries(
      (await readFile(envFile, 'utf8'))
        .split('\0')
        .filter((entry) => entry.includes('='))
        .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
    );
    return;
  }

  if (['js', 'mjs', 'ts'].includes(block.lang)) {
    const javascript =
      block.lang === 'ts'
        ? ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
        : code;
    const file = session.file('mjs');
    await writeFile(file, javascript);
    if (background) {
      const port = await portOutsideEphemeralRange();
      await session.start(process.execPath, [file], block.directive!.argument!, { ...session.envFor(code), PORT: String(port) });
      return;
    }
    const result = await run(process.execPath, [file], session.dir, session.envFor(code));
    session.lastOutput = result.stdout + result.stderr;
    expect(result.code, `exit code; output:\n${session.lastOutput}`).toBe(0);
    return;
  }

  // YAML: checked as a config file, from the README's folder so relative `use:` paths resolve.
  const file = session.file('yaml', session.readmeDir);
  await writeFile(file, code);
  const result = await run(process.execPath, [cli, 'validate', '--config', file], session.dir, session.envFor(code));
  expect(result.code, `switchyard validate:\n${result.stdout}${result.stderr}`).toBe(0);
}

/** README.md and every example's README. */
function readmes(): string[] {
  const examples = readdirSync(path.join(root, 'examples'), { withFileTypes: true }).filter((entry) => entry.isDirectory());
  return ['README.md', ...examples.map((entry) => path.join('examples', entry.name, 'README.md')).filter((readme) => existsSync(path.join(root, readme)))];
}

const files = readmes();

describe.each(files)('%s runs as written', (readme) => {
  const blocks = extractBlocks(readFileSync(path.join(root, readme), 'utf8')).filter((block) => runnable.has(block.lang));
  let session: Session;

  beforeAll(async () => {
    await mkdir(path.join(root, 'node_modules/.cache'), { recursive: true });
    const dir = await mkdtemp(path.join(root, 'node_modules/.cache/switchyard-readme-'));
    const skip = (source: string) => !/(^|\/)(node_modules|dist|\.switchyard)(\/|$)|\.tsbuildinfo$/.test(source);
    await cp(path.join(root, 'config'), path.join(dir, 'config'), { recursive: true });
    await cp(path.join(root, 'examples'), path.join(dir, 'examples'), { recursive: true, filter: skip });
    session = new Session(dir, path.join(dir, path.dirname(readme)));
    if (readme === 'README.md') {
      // What `npm start` serves, in the fresh folder: the built-in mock, a generated master key.
      await session.start(process.execPath, [cli, 'start', '--port', '0'], '127.0.0.1:4000');
      session.env['SWITCHYARD_URL'] = session.addresses.get('127.0.0.1:4000');
    }
  }, 60_000);

  afterAll(async () => {
    for (const server of session?.servers.reverse() ?? []) await server.stop();
    if (session) await rm(session.dir, { recursive: true, force: true });
  });

  it('has blocks to run', () => {
    expect(blocks.filter((block) => block.directive?.name !== 'skip').length).toBeGreaterThan(0);
  });

  for (const block of blocks) {
    const name = `line ${block.line} (${block.lang}): ${block.code.split('\n')[0]!.slice(0, 70)}`;
    if (block.directive?.name === 'skip') it.skip(`${name} — skipped: ${block.directive.reason}`, () => {});
    else it(name, () => runBlock(session, block), 90_000);
  }
});

/** A value of the shape a `${VAR}` of this name stands for in the docs (a URL where the name says so). */
function placeholderFor(name: string): string {
  if (name === 'DATABASE_URL') return 'postgres://switchyard:placeholder@127.0.0.1:5432/switchyard';
  if (name.includes('REDIS')) return 'redis://127.0.0.1:6379';
  return placeholder;
}

/** docs/*.md and the packages' and plugins' READMEs: their YAML is copied into configs as it stands. */
function otherDocs(): string[] {
  const under = (folder: string) =>
    readdirSync(path.join(root, folder), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(path.join(root, folder, entry.name, 'README.md')))
      .map((entry) => path.join(folder, entry.name, 'README.md'));
  const docs = readdirSync(path.join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => path.join('docs', name));
  return [...docs, ...under('packages'), ...under('plugins')];
}

describe('YAML as the docs write it', () => {
  // `{ api_key: ${KEY} }` does not parse: in a flow map YAML reads the reference's braces as a
  // map of its own. The router's README and docs/plugins.md had whole blocks of it.
  it.each(otherDocs())('%s: every YAML block parses', (doc) => {
    const blocks = extractBlocks(readFileSync(path.join(root, doc), 'utf8')).filter((block) => block.lang === 'yaml' || block.lang === 'yml');
    const broken = blocks.flatMap((block) => parseDocument(block.code).errors.map((error) => `line ${block.line}: ${error.message.split('\n')[0]}`));
    expect(broken).toEqual([]);
  });

  // Parsing is not checking: a block can name a setting the schema does not have, or an option
  // its plugin refuses, and still parse. Each block is read and checked as `switchyard validate`
  // reads and checks a file, with every built-in plugin; a `${VAR}` the environment lacks gets a
  // value of its shape. A fragment (a `models:` section without its providers, one step's options
  // alone, a plugin the page only imagines) is marked `<!-- readme-test: skip (reason) -->`.
  it.each(otherDocs())('%s: every YAML block that is not marked a fragment passes the config checker', async (doc) => {
    const blocks = extractBlocks(readFileSync(path.join(root, doc), 'utf8')).filter((block) => (block.lang === 'yaml' || block.lang === 'yml') && block.directive?.name !== 'skip');
    const folder = await mkdtemp(path.join(tmpdir(), 'switchyard-docs-yaml-'));
    try {
      const refused: string[] = [];
      for (const block of blocks) {
        const file = path.join(folder, `line-${block.line}.yaml`);
        await writeFile(file, block.code);
        const env: Record<string, string | undefined> = { ...process.env };
        for (const [, name] of block.code.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) env[name!] ??= placeholderFor(name!);
        try {
          const read = await readConfigFile({ file, cwd: folder });
          await checkGatewayConfig(read.raw, { plugins: [...builtInPlugins], configFile: file, ...(read.sourceText !== undefined && { configSource: read.sourceText }), env });
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          refused.push(`line ${block.line}: ${error.problems.map((problem) => `${problem.path || '(top level)'} ${problem.message}`).join('; ')}`);
        }
      }
      expect(refused).toEqual([]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  // packages/cli/README.md too: its keys/usage block said `switchyard keys create …`, which in a
  // clone (where that README says `npx switchyard` works) is "command not found".
  it.each(otherDocs().filter((doc) => doc.startsWith('docs/') || doc === path.join('packages', 'cli', 'README.md')))('%s: its shell blocks call the CLI as a clone has it (npx switchyard)', (doc) => {
    // A fresh clone has no `switchyard` on the PATH: `switchyard start` there is "command not found".
    const blocks = extractBlocks(readFileSync(path.join(root, doc), 'utf8')).filter((block) => block.lang === 'sh' || block.lang === 'bash');
    const bare = blocks.flatMap((block) =>
      block.code.split('\n').flatMap((line, index) => (/(^|[=\s;&|(])switchyard (start|validate|keys|usage)\b/.test(line.replace(/(^|\s)#.*$/, '')) && !/npx switchyard /.test(line) ? [`line ${block.line + 1 + index}: ${line.trim()}`] : [])),
    );
    expect(bare).toEqual([]);
  });

  it('no unquoted ${VAR} inside { } in any doc, inline example or commented-out line of the example config', () => {
    const texts = ['README.md', 'config/switchyard.example.yaml', ...readmes(), ...otherDocs()];
    const unquoted = /\{[^}`]*[\s,:]\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}/;
    const found = [...new Set(texts)].flatMap((file) =>
      readFileSync(path.join(root, file), 'utf8')
        .split('\n')
        .flatMap((line, index) => (unquoted.test(line) ? [`${file}:${index + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });
});

describe("packages/cli/README.md's usage block", () => {
  // It listed start without --workers, which `switchyard --help` has had since the cluster mode.
  it('names every flag `switchyard --help` gives start and validate', async () => {
    const help = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [cli, '--help'], (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
    const usage = extractBlocks(readFileSync(path.join(root, 'packages/cli/README.md'), 'utf8'))[0]!.code;
    for (const command of ['start', 'validate']) {
      const flags = (text: string) => [...(new RegExp(`^\\s*(?:switchyard\\s+)?${command}\\b(.*)$`, 'm').exec(text)?.[1] ?? '').matchAll(/--[a-z-]+/g)].map((match) => match[0]);
      expect(flags(usage), command).toEqual(flags(help));
    }
  });
});

describe("README.md's Express snippets with only what docs/embedding.md installs", () => {
  // The README test above runs them inside this repository, where every package resolves. In a
  // new project with embedding.md's `npm install` line, the first one stopped with "no provider
  // plugin 'mock'" and "no step plugin 'circuit-breaker'": the line left both packages out.
  // Here the app's node_modules has every third-party package of this checkout but only the
  // @switchyard packages that line names (and what they depend on); --preserve-symlinks keeps
  // Node, and core's plugin lookup, from reaching this checkout's other packages through them.
  const installLine = extractBlocks(readFileSync(path.join(root, 'docs/embedding.md'), 'utf8')).find((block) => /^npm install /.test(block.code))?.code ?? '';
  const servers = extractBlocks(readFileSync(path.join(root, 'README.md'), 'utf8')).filter((block) => ['js', 'ts'].includes(block.lang) && block.directive?.name === 'background');
  let project: string;

  beforeAll(async () => {
    const named = [...installLine.matchAll(/@switchyard\/([a-z0-9-]+)/g)].map((match) => match[1]!);
    const installed = new Set<string>();
    const install = (name: string): void => {
      if (installed.has(name)) return;
      installed.add(name);
      const manifest = JSON.parse(readFileSync(path.join(root, 'node_modules/@switchyard', name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      for (const dependency of Object.keys(manifest.dependencies ?? {})) if (dependency.startsWith('@switchyard/')) install(dependency.slice('@switchyard/'.length));
    };
    named.forEach(install);
    project = await mkdtemp(path.join(tmpdir(), 'switchyard-embed-install-'));
    const modules = path.join(project, 'node_modules');
    await mkdir(path.join(modules, '@switchyard'), { recursive: true });
    for (const entry of readdirSync(path.join(root, 'node_modules'))) {
      if (entry === '@switchyard' || entry.startsWith('.')) continue;
      await symlink(realpathSync(path.join(root, 'node_modules', entry)), path.join(modules, entry));
    }
    for (const name of installed) await symlink(realpathSync(path.join(root, 'node_modules/@switchyard', name)), path.join(modules, '@switchyard', name));
  });

  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  // They were ```ts blocks with no word on how to run them: Node 20 (what the README asks for)
  // runs no .ts file, and in a folder of `npm init -y` ("type": "commonjs") a server.js with
  // `import` lines stops with "Cannot use import statement outside a module".
  it('the README says to save each server as a .mjs file and run it with node, and the block is plain JavaScript', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8').split('\n');
    for (const block of servers) {
      expect(block.lang, `README.md line ${block.line}`).toBe('js');
      const before = readme.slice(Math.max(0, block.line - 8), block.line - 2).join('\n');
      expect(before, `README.md line ${block.line}: the prose before the block`).toMatch(/`node [\w-]+\.mjs`/);
    }
  });

  it('docs/embedding.md has the npm install line', () => {
    expect(installLine).toMatch(/@switchyard\/core\b/);
    expect(servers.length).toBeGreaterThan(1);
  });

  it.each(servers.map((block) => [block.line, block] as const))('the server at README.md line %i starts', async (_line, block) => {
    // As the README says to: the block saved as it stands in a `.mjs` file, run by node.
    const file = path.join(project, `server-${block.line}.mjs`);
    await writeFile(file, block.code);
    const server = await spawnSwitchyard(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', file], {
      cwd: project,
      env: { PORT: String(await portOutsideEphemeralRange()), SWITCHYARD_MASTER_KEY: placeholder, OPENAI_API_KEY: placeholder },
    });
    expect(await server.stop()).toBe(0);
  }, 30_000);
});
