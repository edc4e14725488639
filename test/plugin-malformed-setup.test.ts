import { builtInPlugins } from '@switchyard/cli';
import { checkGatewayConfig, ConfigError, createGateway, defineIngress, defineProvider, definePlugin, openAIChatDialect, type PluginFactory } from '@switchyard/core';
import { describe, expect, it } from 'vitest';

/**
 * A plugin whose own setup is wrong (an optionsSchema that is not a JSON Schema, a
 * step's create returning no middleware, a provider's create returning no adapters)
 * is a bug of the plugin's. It used to surface as ajv's bare "schema is invalid", a
 * TypeError about `secrets`, or not at all: the gateway started and answered every
 * request 500 ("step is not a function"). It stops createGateway, naming the plugin.
 */
async function startError(config: Record<string, unknown>, plugin: PluginFactory<unknown, unknown>): Promise<Error> {
  try {
    const gateway = await createGateway(config, { plugins: [...builtInPlugins, plugin] });
    await gateway.close();
  } catch (error) {
    return error as Error;
  }
  throw new Error('createGateway started');
}

/** What start says: a plugin that fails to build is a problem at its place in the config (the lines it prints), as validate reports it. */
const said = (error: Error) => (error instanceof ConfigError ? error.formatLines().join('\n') : error.message);

const step = (create: () => unknown) => definePlugin({ name: 'tenant-tag', optionsSchema: { type: 'object' }, create: create as never });
const provider = (create: () => unknown) => defineProvider({ name: 'acme', optionsSchema: { type: 'object' }, create: create as never });
const ingress = (create: () => unknown) => defineIngress({ name: 'gemini', optionsSchema: { type: 'object' }, create: create as never });
const route = { method: 'post', path: '/v1beta/generate', name: 'generate' };

describe('a plugin whose setup is malformed', () => {
  it('names the plugin whose optionsSchema is not a valid JSON Schema, at its place in the config', async () => {
    const broken = defineProvider({ name: 'acme', optionsSchema: { type: 'object', properties: { region: { type: 'strng' } } }, create: () => ({}) });
    const error = await startError({ providers: { acme: {} }, chain: ['route', 'adapter'] }, broken);
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as ConfigError).formatLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^providers\.acme: the plugin 'acme' cannot be configured: its optionsSchema is not a valid JSON Schema \(schema is invalid: .*type/);
  });

  it.each([
    ['a number', () => 42],
    ['nothing', () => undefined],
    ['an object', () => ({ handle: () => undefined })],
  ])('refuses a step whose create returns %s instead of a middleware, naming it', async (_what, create) => {
    const error = await startError({ providers: { mock: {} }, chain: ['tenant-tag', 'route', 'adapter'] }, step(create));
    expect(error.message).toMatch(/step plugin 'tenant-tag'.*not an Express middleware/);
  });

  it.each([
    ['null', () => null],
    ['a chat that is neither HTTP adapter nor direct operation', () => ({ chat: { foo: 1 } })],
    ['a direct chat without stream', () => ({ chat: { complete: async () => ({}) } })],
    ['an HTTP chat without createStreamDecoder', () => ({ chat: { buildRequest: () => ({}), parseResponse: () => ({}) } })],
    ['embeddings that are neither', () => ({ embeddings: { embedd: () => ({}) } })],
    ['models that are neither', () => ({ models: { list: 5 } })],
  ])('refuses a provider whose create returns %s, naming it', async (_what, create) => {
    const error = await startError({ providers: { acme: {} }, chain: ['route', 'adapter'] }, provider(create));
    expect(error.message).toMatch(/provider plugin 'acme'/);
  });

  it.each([
    ['null', () => null, /not its dialect and routes/],
    ['no dialect', () => ({ routes: [route] }), /dialect: nothing/],
    ['a dialect without formatError', () => ({ dialect: { ...openAIChatDialect, formatError: undefined }, routes: [route] }), /dialect\.formatError: nothing/],
    ['a dialect whose parse is a string', () => ({ dialect: { ...openAIChatDialect, parse: 'parse' }, routes: [route] }), /dialect\.parse: a string/],
    ['a dialect without a name', () => ({ dialect: { ...openAIChatDialect, name: undefined }, routes: [route] }), /dialect\.name/],
    ['a dialect whose beforeLastWrite is an object', () => ({ dialect: { ...openAIChatDialect, beforeLastWrite: {} }, routes: [route] }), /dialect\.beforeLastWrite: an object/],
    ['a passthrough without createStreamEncoder', () => ({ dialect: { ...openAIChatDialect, passthrough: { name: 'openai', formatResponse: () => ({}) } }, routes: [route] }), /dialect\.passthrough\.createStreamEncoder/],
    ['routes that are not a list', () => ({ dialect: openAIChatDialect, routes: route }), /routes/],
    ['a route that is null', () => ({ dialect: openAIChatDialect, routes: [null] }), /routes\[0\]/],
    ['a route path that is a number', () => ({ dialect: openAIChatDialect, routes: [{ ...route, path: 42 }] }), /route path 42 must start with "\/"/],
    ['a route path without a leading slash', () => ({ dialect: openAIChatDialect, routes: [{ ...route, path: 'v1beta/generate' }] }), /must start with "\/"/],
  ])('refuses an ingress plugin whose create returns %s, naming it and what is wrong', async (_what, create, what) => {
    const error = await startError({ providers: { mock: {} }, chain: ['route', 'adapter'], ingress: { gemini: {} } }, ingress(create));
    expect(said(error)).toMatch(/^ingress\.gemini: .*ingress plugin ['"]gemini['"]/);
    expect(said(error)).toMatch(what);
  });

  it('names an ingress plugin whose create throws', async () => {
    const create = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'base_path')");
    };
    const error = await startError({ providers: { mock: {} }, chain: ['route', 'adapter'], ingress: { gemini: {} } }, ingress(create));
    expect(said(error)).toMatch(/^ingress\.gemini: The ingress plugin 'gemini' failed to build: Cannot read properties of undefined \(reading 'base_path'\)/);
  });

  it('still starts with well-formed plugins', async () => {
    const good = provider(() => ({ chat: { complete: async () => ({}), async *stream() {} }, models: { list: async () => [] } }));
    const gateway = await createGateway({ providers: { acme: {} }, chain: ['tenant-tag', 'route', 'adapter'] }, {
      plugins: [...builtInPlugins, good, step(() => (_req: unknown, _res: unknown, next: () => void) => next())],
    });
    await gateway.close();
  });

  it('still starts with a well-formed ingress plugin', async () => {
    const gateway = await createGateway({ providers: { mock: {} }, chain: ['route', 'adapter'], ingress: { gemini: {} } }, {
      plugins: [...builtInPlugins, ingress(() => ({ dialect: openAIChatDialect, routes: [route], pathPrefix: '/v1beta' }))],
    });
    await gateway.close();
  });
});

/** What `switchyard validate` says of a config (it calls checkGatewayConfig): its problems' lines, none when valid. */
async function validateLines(config: Record<string, unknown>, plugin: PluginFactory<unknown, unknown>): Promise<string[]> {
  try {
    await checkGatewayConfig(config, { plugins: [...builtInPlugins, plugin] });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.formatLines();
    throw error;
  }
}

describe('switchyard validate, of an ingress plugin start would refuse', () => {
  const config = { providers: { mock: {} }, chain: ['route', 'adapter'], ingress: { gemini: {} } };

  it('names an ingress plugin whose create throws, at its place in the config, as start does (validate said the config was valid)', async () => {
    const create = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'base_path')");
    };
    const lines = await validateLines(config, ingress(create));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ingress\.gemini: The ingress plugin 'gemini' failed to build: Cannot read properties of undefined \(reading 'base_path'\)/);
  });

  it('names an ingress plugin whose create returns no dialect', async () => {
    const lines = await validateLines(config, ingress(() => ({ routes: [route] })));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ingress\.gemini: The ingress plugin 'gemini' built a dialect: nothing/);
  });

  it('still says a well-formed ingress plugin is valid', async () => {
    expect(await validateLines(config, ingress(() => ({ dialect: openAIChatDialect, routes: [route], pathPrefix: '/v1beta' })))).toEqual([]);
  });
});

describe('a provider plugin whose create throws or is async', () => {
  const config = { providers: { acme: { api_key: 'acme-secret-0123456789abcdef' } }, chain: ['route', 'adapter'] };
  const keyed = (create: () => unknown) =>
    defineProvider({ name: 'acme', optionsSchema: { type: 'object', properties: { api_key: { type: 'string' } } }, create: create as never });
  const throwing = keyed(() => {
    throw new TypeError('cannot use key acme-secret-0123456789abcdef');
  });
  // An async create (to set up an SDK first) returned a promise: start took it for adapters offering nothing, and every call was a 400 unsupported_operation.
  const asynchronous = keyed(async () => ({ chat: { complete: async () => ({}), async *stream() {} } }));

  it('start names the plugin whose create throws, at its place in the config, its key blanked (it was the bare TypeError and its stack)', async () => {
    const error = await startError(config, throwing);
    expect(error).toBeInstanceOf(ConfigError);
    expect(said(error)).toBe("providers.acme: The provider plugin 'acme' failed to build: cannot use key [REDACTED]");
  });

  it('validate says so too (it said the config was valid)', async () => {
    expect(await validateLines(config, throwing)).toEqual(["providers.acme: The provider plugin 'acme' failed to build: cannot use key [REDACTED]"]);
  });

  it('start and validate refuse a create that returns a promise', async () => {
    const line = "providers.acme: The provider plugin 'acme' built a promise, not its adapters: its create(options) must return them, not a promise (an async create); do asynchronous work inside the operations";
    expect(said(await startError(config, asynchronous))).toBe(line);
    expect(await validateLines(config, asynchronous)).toEqual([line]);
    // One whose promise rejects is refused the same, with no unhandled rejection left behind (vitest fails the run on one).
    const rejecting = keyed(async () => {
      throw new Error('no SDK');
    });
    expect(await validateLines(config, rejecting)).toEqual([line]);
  });
});
