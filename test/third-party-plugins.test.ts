import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { builtInPlugins } from '@switchyard/cli';
import { ConfigError, createGateway, createLogger, GatewayError, isGatewayError, toGatewayError, type Gateway } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const silent = () => createLogger({ level: 'silent' });
const route = builtInPlugins.filter((factory) => factory.pluginName === 'route');

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
}

/** A provider written the way a third party would: plain ESM, core as a peer. */
const echoProvider = (name: string, prefix: string) => `
import { defineProvider } from '@switchyard/core';
const text = (request) => {
  const last = request.messages.at(-1);
  return typeof last.content === 'string' ? last.content : last.content.map((part) => part.text ?? '').join('');
};
export default defineProvider({
  name: '${name}',
  optionsSchema: { type: 'object', additionalProperties: false, properties: { prefix: { type: 'string', default: '${prefix}' } } },
  create: (options) => ({
    chat: {
      async complete(call) {
        return {
          id: 'acme-1', model: call.model, created: 0,
          content: [{ type: 'text', text: options.prefix + text(call.request) }],
          finishReason: { unified: 'stop', raw: 'stop' },
          usage: { inputTokens: 1, outputTokens: 1 },
        };
      },
      async *stream() { throw new Error('not used'); },
    },
  }),
});
`;

const stampStep = `
import { definePlugin } from '@switchyard/core';
export const stamp = definePlugin({
  name: 'stamp',
  optionsSchema: { type: 'object', additionalProperties: false, required: ['value'], properties: { value: { type: 'string', pattern: '^[a-z0-9-]{1,32}$' } } },
  create: (options) => (_req, res, next) => { res.setHeader('x-acme-stamp', options.value); next(); },
});
export default stamp;
`;

describe('third-party plugins loaded from the config file’s folder', () => {
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'switchyard-plugins-'));
    await mkdir(path.join(folder, 'node_modules/@switchyard'), { recursive: true });
    // Core is a peer dependency: the app's own copy, linked the way a workspace or `npm link` would.
    await symlink(path.join(repo, 'packages/core'), path.join(folder, 'node_modules/@switchyard/core'), 'dir');
    await writeFiles(folder, {
      'node_modules/@acme/switchyard-provider-echo/package.json': JSON.stringify({
        name: '@acme/switchyard-provider-echo',
        type: 'module',
        // ESM only: resolvable with the `import` condition and nothing else.
        exports: { '.': { import: './index.js' } },
        peerDependencies: { '@switchyard/core': '*' },
      }),
      'node_modules/@acme/switchyard-provider-echo/index.js': echoProvider('acme-echo', 'acme:'),
      'node_modules/@acme/switchyard-step-stamp/package.json': JSON.stringify({
        name: '@acme/switchyard-step-stamp',
        type: 'module',
        main: './index.js',
        peerDependencies: { '@switchyard/core': '*' },
      }),
      'node_modules/@acme/switchyard-step-stamp/index.js': stampStep,
      'plugins/local-provider.js': echoProvider('local', 'local:'),
      'plugins/broken-import.js': `import { nothing } from '@acme/not-installed-anywhere';\nexport default nothing;\n`,
      'plugins/throws-on-load.js': `const limit = Number('x');\nif (Number.isNaN(limit)) throw new Error('boom while loading the plugin');\nexport default {};\n`,
      // What a first plugin often is: the factory written by hand, not made with defineProvider.
      'plugins/plain-function.js': `export default function acme(options) {\n  return { chat: { complete: async () => ({}), async *stream() {} } };\n}\n`,
      'plugins/step-as-provider.js': stampStep,
      'plugins/two-providers.js': `import { defineProvider } from '@switchyard/core';\nconst create = () => ({ chat: { complete: async () => ({}), async *stream() {} } });\nexport const east = defineProvider({ name: 'east', optionsSchema: { type: 'object' }, create });\nexport const west = defineProvider({ name: 'west', optionsSchema: { type: 'object' }, create });\n`,
    });
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  const configFile = () => path.join(folder, 'switchyard.config.yaml');

  it('loads a provider and a step by package name from node_modules next to the config, and a provider by relative path', async () => {
    // The working folder (the repo) has none of these packages: only the config's folder does.
    const gateway = await createGateway(
      {
        providers: {
          acme: { use: '@acme/switchyard-provider-echo', prefix: 'acme says: ' },
          local: { use: './plugins/local-provider.js' },
        },
        chain: [{ stamp: { use: '@acme/switchyard-step-stamp', value: 'v1' } }, 'route', 'adapter'],
        log: { level: 'silent' },
      },
      { plugins: route, configFile: configFile(), logger: silent() },
    );
    try {
      const app = express().use(gateway.router);
      const byName = await request(app).post('/v1/chat/completions').send({ model: 'acme/any', messages: [{ role: 'user', content: 'hi' }] });
      expect(byName.status).toBe(200);
      expect(byName.body.choices[0].message.content).toBe('acme says: hi');
      expect(byName.headers['x-acme-stamp']).toBe('v1');
      const byPath = await request(app).post('/v1/chat/completions').send({ model: 'local/any', messages: [{ role: 'user', content: 'yo' }] });
      expect(byPath.status).toBe(200);
      expect(byPath.body.choices[0].message.content).toBe('local:yo');
    } finally {
      await gateway.close();
    }
  });

  /** The problems a config's plugins produce, as the CLI would print them. */
  async function problemsOf(providers: Record<string, unknown>): Promise<Array<{ path: string; message: string }>> {
    const error = await createGateway({ providers, log: { level: 'silent' } }, { plugins: builtInPlugins, configFile: configFile(), logger: silent() }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }

  it('reports a plugin whose own import is broken with the real error, not "not found"', async () => {
    const problems = await problemsOf({ broken: { use: './plugins/broken-import.js' } });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('/providers/broken/use');
    expect(problems[0]!.message).toMatch(/^the provider plugin '\.\/plugins\/broken-import\.js' failed to load: /);
    expect(problems[0]!.message).toContain("Cannot find package '@acme/not-installed-anywhere'");
    expect(problems[0]!.message).not.toContain('is it installed');
  });

  it('reports a plugin that throws while loading with its message and the line it threw at', async () => {
    const problems = await problemsOf({ thrower: { use: './plugins/throws-on-load.js' } });
    expect(problems[0]!.message).toContain('failed to load: boom while loading the plugin');
    // The first stack frame: the file and line that threw (a path or a file: URL, depending on the loader).
    expect(problems[0]!.message).toMatch(/\(at .*\/plugins\/throws-on-load\.js:2:\d+\)$/);
  });

  it('says what a module that loads but holds no plugin of the kind exports, and how to make one (it said "does not export a provider plugin named \'./plugins/x.js\'")', async () => {
    const problems = await problemsOf({
      plain: { use: './plugins/plain-function.js' },
      step: { use: './plugins/step-as-provider.js' },
      two: { use: './plugins/two-providers.js' },
      named: { use: '@acme/switchyard-step-stamp' },
    });
    expect(problems.map((problem) => `${problem.path}: ${problem.message}`)).toEqual([
      "/providers/plain/use: ./plugins/plain-function.js exports no Switchyard plugin (its default export is a function): a provider plugin's default export is made with defineProvider from @switchyard/core",
      "/providers/step/use: ./plugins/step-as-provider.js exports the step plugin 'stamp', not a provider plugin: a step is named under chain:",
      "/providers/two/use: ./plugins/two-providers.js exports the provider plugins 'east', 'west': a module named by use: holds one, as its default export",
      "/providers/named/use: @acme/switchyard-step-stamp exports the step plugin 'stamp', not a provider plugin: a step is named under chain:",
    ]);
  });

  it('still says "is it installed?" for a package that is nowhere, and for a missing file', async () => {
    const problems = await problemsOf({ ghost: { use: '@acme/switchyard-provider-ghost' }, missing: { use: './plugins/nope.js' } });
    expect(problems.map((problem) => problem.message)).toEqual([
      "no provider plugin '@acme/switchyard-provider-ghost' (looked for the package @acme/switchyard-provider-ghost; is it installed?)",
      `no provider plugin './plugins/nope.js' (looked for the file ${path.join(folder, 'plugins/nope.js')}; is it installed?)`,
    ]);
  });
});

describe('a provider plugin built against its own copy of @switchyard/core', () => {
  let folder: string;
  let upstream: MockOpenAI;
  let gateway: Gateway;
  let app: express.Express;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'switchyard-two-cores-'));
    const modules = path.join(folder, 'node_modules');
    // A real second copy of core and of the OpenAI provider, as npm would install them
    // for a plugin that pinned its own core: same code, different module instances.
    for (const name of ['core', 'provider-openai']) {
      const from = path.join(repo, name === 'core' ? 'packages/core' : `plugins/${name}`);
      await cp(path.join(from, 'dist'), path.join(modules, '@switchyard', name, 'dist'), { recursive: true });
      await cp(path.join(from, 'package.json'), path.join(modules, '@switchyard', name, 'package.json'));
    }
    // Core's own dependencies, linked from the workspace.
    const coreManifest = JSON.parse(await readFile(path.join(repo, 'packages/core/package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const dependency of Object.keys(coreManifest.dependencies)) {
      const target = path.join(modules, dependency);
      await mkdir(path.dirname(target), { recursive: true });
      await symlink(path.join(repo, 'node_modules', dependency), target, 'dir');
    }
    // A step written from docs/plugins.md against that copy: it reads the request's context
    // with its own getContext and refuses with its own GatewayError. (Under node_modules, so
    // vitest loads it as Node does, not with its aliases to this workspace's core.)
    await writeFiles(folder, {
      'node_modules/@acme/switchyard-step-marker/package.json': JSON.stringify({ name: '@acme/switchyard-step-marker', type: 'module', main: './index.js' }),
      'node_modules/@acme/switchyard-step-marker/index.js': `
import { definePlugin, GatewayError, getContext } from '@switchyard/core';
export const marker = definePlugin({
  name: 'marker',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => (req, res, next) => {
    const context = getContext(res);
    if (req.headers['x-refuse'] !== undefined) throw new GatewayError('invalid_request', 'Refused by the marker step.', { param: 'x-refuse' });
    context.responseHeaders.set('x-marker-saw', context.endpoint);
    next();
  },
});
`,
    });
    upstream = await startMockOpenAI({ apiKey: 'sk-upstream-0123456789' });
    gateway = await createGateway(
      {
        providers: {
          openai: { use: '@switchyard/provider-openai', api_key: 'sk-upstream-0123456789', base_url: upstream.url },
          mock: {},
        },
        models: {
          direct: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } },
          failover: {
            strategy: 'priority',
            deployments: [
              { target: 'openai/gpt-4o-mini', priority: 0 },
              { target: 'mock/echo', priority: 1 },
            ],
            retries: { attempts: 0 },
          },
        },
        chain: [{ marker: { use: '@acme/switchyard-step-marker' } }, 'route', 'adapter'],
        log: { level: 'silent' },
      },
      { plugins: builtInPlugins, configFile: path.join(folder, 'switchyard.config.yaml'), logger: silent() },
    );
    app = express().use(gateway.router);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('is really another copy: its GatewayError is another class, recognised by the brand', async () => {
    const foreign = (await import(pathToFileURL(path.join(folder, 'node_modules/@switchyard/core/dist/index.js')).href)) as {
      GatewayError: typeof GatewayError;
    };
    expect(foreign.GatewayError).not.toBe(GatewayError);
    const error = new foreign.GatewayError('upstream_overloaded', 'busy', { provider: 'x', retryAfterSeconds: 3, upstreamStatus: 529 });
    expect(error instanceof GatewayError).toBe(false);
    expect(isGatewayError(error)).toBe(true);
    const adopted = toGatewayError(error);
    expect(adopted).toBeInstanceOf(GatewayError);
    expect([adopted.code, adopted.status, adopted.retryable, adopted.retryAfterSeconds, adopted.upstreamStatus, adopted.provider]).toEqual([
      'upstream_overloaded', 503, true, 3, 529, 'x',
    ]);
  });

  it('does not take a look-alike without the brand, or with a status out of range, for a GatewayError', () => {
    expect(isGatewayError({ code: 'upstream_overloaded', status: 503, type: 'server_error', retryable: true, message: 'x' })).toBe(false);
    const forged = { [Symbol.for('switchyard.gateway-error')]: true, code: 'x', status: 1e309, type: 't', retryable: true, message: 'm' };
    expect(isGatewayError(forged)).toBe(false);
    expect(toGatewayError(forged).code).toBe('internal_error');
  });

  it("keeps a newer copy's unknown code only when it looks like a code, and drops out-of-range details", () => {
    const brand = Symbol.for('switchyard.gateway-error');
    const newer = { [brand]: true, code: 'upstream_melted', status: 502, type: 'server_error', retryable: true, message: 'm', retryAfterSeconds: 1e308, provider: 'p'.repeat(10_000) };
    const adopted = toGatewayError(newer);
    expect([adopted.code, adopted.status, adopted.retryable, adopted.retryAfterSeconds, adopted.provider]).toEqual(['upstream_melted', 502, true, undefined, undefined]);
    const hostile = { ...newer, code: 'x\r\nset-cookie: a=b' };
    expect(toGatewayError(hostile)).toMatchObject({ code: 'internal_error', status: 500, retryable: true });
  });

  it("a step built against it finds the request's context with its own getContext (it was a 500 on every request)", async () => {
    const response = await request(app).post('/v1/chat/completions').send({ model: 'failover', messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    expect(response.headers['x-marker-saw']).toBe('chat');
    const refused = await request(app).post('/v1/chat/completions').set('x-refuse', '1').send({ model: 'failover', messages: [{ role: 'user', content: 'hi' }] });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'invalid_request', param: 'x-refuse', message: 'Refused by the marker step.' });
  });

  it("answers an upstream 401 as 401 upstream_authentication_failed, not a 500", async () => {
    upstream.enqueue({ error: 'invalid_key' });
    const response = await request(app).post('/v1/chat/completions').send({ model: 'direct', messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('upstream_authentication_failed');
    expect(JSON.stringify(response.body)).not.toContain('sk-upstream');
  });

  it('fails over to the next deployment when the foreign plugin reports an upstream 5xx', async () => {
    upstream.enqueue({ error: 'server_error' });
    const response = await request(app).post('/v1/chat/completions').send({ model: 'failover', messages: [{ role: 'user', content: 'still here' }] });
    expect(response.status).toBe(200);
    expect(response.headers['x-switchyard-model']).toBe('mock/echo');
    expect(response.headers['x-switchyard-attempts']).toBe('2');
    expect(response.body.choices[0].message.content).toBe('still here');
  });
});
