import { builtInPlugins } from '@switchyard/cli';
import { ConfigError, createGateway, defineProvider, definePlugin, type PluginFactory } from '@switchyard/core';
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

const step = (create: () => unknown) => definePlugin({ name: 'tenant-tag', optionsSchema: { type: 'object' }, create: create as never });
const provider = (create: () => unknown) => defineProvider({ name: 'acme', optionsSchema: { type: 'object' }, create: create as never });

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

  it('still starts with well-formed plugins', async () => {
    const good = provider(() => ({ chat: { complete: async () => ({}), async *stream() {} }, models: { list: async () => [] } }));
    const gateway = await createGateway({ providers: { acme: {} }, chain: ['tenant-tag', 'route', 'adapter'] }, {
      plugins: [...builtInPlugins, good, step(() => (_req: unknown, _res: unknown, next: () => void) => next())],
    });
    await gateway.close();
  });
});
