import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineAppLockfile } from './support/offline-app-lockfile.js';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** An Express app of a team's own, outside the repo: the gateway under /ai, one step alone on its own route. */
const appSource = `
import express from 'express';
import { createGateway, createSteps } from '@switchyard/core';

// No plugins handed over: every one is found by package name in this app's node_modules.
const gateway = await createGateway({
  providers: { mock: {} },
  models: { assistant: 'mock/echo' },
  storage: { use: 'sqlite', path: 'gateway.db' },
  server: { data_dir: './data' },
  chain: ['route', 'adapter'],
  log: { level: 'silent' },
});
const switchyard = await createSteps({
  providers: {},
  chain: [{ 'rate-limit': { limits: { global: { rpm: 1 } } } }],
  log: { level: 'silent' },
});

const app = express();
app.use('/ai', gateway.router);
app.get('/reports', switchyard.step('rate-limit'), (_req, res) => res.json({ rows: 1 }));
app.use(switchyard.errorHandler());
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n');
});
process.once('SIGTERM', async () => {
  server.close();
  await switchyard.close();
  await gateway.close();
  process.exit(0);
});
`;

/** The same app's use of the API in TypeScript: compiles only if every package's `types` and `exports` work for a consumer. */
const typedSource = `
import express from 'express';
import { createSteps, isGatewayError, type ChatResponse, type SwitchyardSteps } from '@switchyard/core';
import { rateLimit } from '@switchyard/policy-rate-limit';
import mock from '@switchyard/provider-mock';
import { builtInPlugins } from '@switchyard/cli';

const switchyard: SwitchyardSteps = await createSteps({ chain: ['rate-limit', 'route'] }, { plugins: [...builtInPlugins, mock, rateLimit] });
const app = express();
app.post('/api/summarize', express.json(), switchyard.step('rate-limit'), async (_req, res) => {
  const answer: ChatResponse = await switchyard.call(res, { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });
  res.json({ text: answer.content, retryable: isGatewayError(new Error('x')) });
});
app.use(switchyard.errorHandler());
`;

const typedConfig = {
  compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
  files: ['check.ts'],
};

describe('the packages, packed and installed into an app outside the workspace', () => {
  let folder: string;
  let app: ChildProcess | undefined;
  let origin: string;
  let lines: AsyncIterator<string>;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'switchyard-pack-'));
    const workspaces = [
      ...(await readdir(path.join(repo, 'packages'))).map((name) => `packages/${name}`),
      ...(await readdir(path.join(repo, 'plugins'))).map((name) => `plugins/${name}`),
    ];
    // Every workspace packs; the app installs all but the test kit (it wants vitest).
    const { stdout } = await run(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', folder, ...workspaces.flatMap((workspace) => ['-w', workspace])],
      { cwd: repo, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
    );
    const packed = JSON.parse(stdout) as Array<{ name: string; filename: string; files: Array<{ path: string }> }>;
    expect(packed.map((entry) => entry.name).sort()).toHaveLength(workspaces.length);
    for (const entry of packed) {
      // What ships: the build and the README (and the CLI's launcher), never tests or sources.
      // The dashboard ships its page as served: HTML, CSS and browser modules under public/.
      const shipped =
        entry.name === '@switchyard/cli'
          ? /^(dist\/|bin\/switchyard\.js$|README\.md$|package\.json$|LICENSE)/
          : entry.name === '@switchyard/dashboard'
            ? /^(dist\/|public\/[a-z-]+\.(html|css|js)$|README\.md$|package\.json$|LICENSE)/
            : /^(dist\/|README\.md$|package\.json$|LICENSE)/;
      expect(entry.files.map((file) => file.path).filter((file) => !shipped.test(file)), entry.name).toEqual([]);
      expect(entry.files.some((file) => file.path === 'dist/index.d.ts'), entry.name).toBe(true);
    }
    const byFolder = new Map(
      workspaces.map((workspace) => {
        const name = `@switchyard/${path.basename(workspace)}`;
        return [workspace, packed.find((entry) => entry.name === name)!.filename] as const;
      }),
    );

    const appDir = path.join(folder, 'app');
    await mkdir(appDir);
    const { manifest, lockfile } = offlineAppLockfile({
      repo,
      tarballs: [...byFolder].filter(([workspace]) => workspace !== 'packages/testing').map(([workspace, file]) => ({ folder: workspace, tarball: `../${file}` })),
      extra: ['express', '@types/express', '@types/node'],
    });
    await writeFile(path.join(appDir, 'package.json'), JSON.stringify(manifest, null, 2));
    await writeFile(path.join(appDir, 'package-lock.json'), JSON.stringify(lockfile, null, 2));
    await writeFile(path.join(appDir, 'app.mjs'), appSource);
    await writeFile(path.join(appDir, 'check.ts'), typedSource);
    await writeFile(path.join(appDir, 'tsconfig.json'), JSON.stringify(typedConfig));
    await run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: appDir, timeout: 120_000 });
    // Install scripts stay off (nothing may download a binary here): better-sqlite3's
    // native module is the one the workspace already compiled, for this same Node.
    await cp(path.join(repo, 'node_modules/better-sqlite3/build'), path.join(appDir, 'node_modules/better-sqlite3/build'), { recursive: true });

    app = spawn(process.execPath, ['app.mjs'], { cwd: appDir, stdio: ['ignore', 'pipe', 'inherit'] });
    lines = createInterface({ input: app.stdout! })[Symbol.asyncIterator]();
    const first = await lines.next();
    origin = `http://127.0.0.1:${(JSON.parse(first.value as string) as { port: number }).port}`;
  }, 240_000);

  afterAll(async () => {
    if (app && app.exitCode === null) {
      app.kill('SIGKILL');
      await once(app, 'exit');
    }
    await rm(folder, { recursive: true, force: true });
  });

  it("type-checks a TypeScript consumer against the installed packages' declarations", async () => {
    const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', '.'], { cwd: path.join(folder, 'app'), timeout: 120_000 }).then(
      () => 'ok',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe('ok');
  });

  it('answers a chat completion through the mounted gateway router and the mock provider', async () => {
    const response = await fetch(`${origin}/ai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'assistant', messages: [{ role: 'user', content: 'installed from tarballs' }] }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content).toBe('installed from tarballs');
    expect(response.headers.get('x-switchyard-model')).toBe('mock/echo');
  });

  it('limits its own route with rate-limit mounted alone: 429 with Retry-After past the limit', async () => {
    const first = await fetch(`${origin}/reports`);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ rows: 1 });
    const second = await fetch(`${origin}/reports`);
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
  });

  it('shuts down cleanly, having written the chat call to its SQLite ledger', async () => {
    app!.kill('SIGTERM');
    const [code] = (await once(app!, 'exit')) as [number | null];
    expect(code).toBe(0);
    const database = new Database(path.join(folder, 'app/data/gateway.db'), { readonly: true });
    try {
      const rows = database.prepare('SELECT endpoint, requested_model, provider FROM usage').all();
      expect(rows).toEqual([{ endpoint: 'chat', requested_model: 'assistant', provider: 'mock' }]);
    } finally {
      database.close();
    }
  });
});
