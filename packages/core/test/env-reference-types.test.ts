import { describe, expect, it } from 'vitest';
import { checkGatewayConfig, ConfigError, definePlugin, defineProvider, findConfigProblems, type PluginFactory } from '../src/index.js';

/**
 * A value that is one whole `${VAR}` is read as the schema wants it: a number or a boolean
 * where one is wanted (`port: ${PORT}`), the variable's text where a string is (an `api_key`
 * of digits, a header of `true`), in the gateway's own schema and in every plugin's.
 */

interface AcmeOptions {
  api_key: string;
  headers: Record<string, string>;
  retries: number;
  verbose: boolean;
}

const acmeOptionsSeen: AcmeOptions[] = [];

/** A provider as a third party writes one: strings, a map of strings, an integer and a boolean. */
const acme = defineProvider<AcmeOptions>({
  name: 'acme',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      api_key: { type: 'string', minLength: 1 },
      headers: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
      retries: { type: 'integer', minimum: 0, maximum: 10, default: 2 },
      verbose: { type: 'boolean', default: false },
    },
  },
  create(options) {
    acmeOptionsSeen.push(options);
    return {};
  },
});

/** A chain step with a string option. */
const label = definePlugin<{ text: string }>({
  name: 'label',
  optionsSchema: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string' } } },
  create: () => (_request, _response, next) => next(),
});

const plugins = [acme, label] as Array<PluginFactory<unknown, unknown>>;

describe('a whole ${VAR} is read as the type the schema wants', () => {
  it("in the gateway's schema: text where a string goes, a number or boolean where one goes", () => {
    const raw = {
      master_key: '${MASTER_KEY}',
      server: { port: '${PORT}', host: '${HOST}', data_dir: '${DATA_DIR}', cost_header: '${COST_HEADER}', body_limit: '${BODY_LIMIT}' },
      metrics: { token: '${METRICS_TOKEN}' },
    };
    const env = { MASTER_KEY: '1234567890123456', PORT: '4321', HOST: 'true', DATA_DIR: '2024', COST_HEADER: 'true', BODY_LIMIT: '1000', METRICS_TOKEN: '9876543210123456' };
    const { config, problems } = findConfigProblems(raw, env);
    expect(problems).toEqual([]);
    expect(config.master_key).toBe('1234567890123456');
    expect(config.metrics.token).toBe('9876543210123456');
    expect(config.server).toMatchObject({ port: 4321, host: 'true', data_dir: '2024', cost_header: true, body_limit: 1000 });
  });

  it('a value written in the file is not a reference: a number where a string goes, or a string where a number goes, is still refused', () => {
    const { problems } = findConfigProblems({ server: { data_dir: 2024, port: '4321' } }, {});
    expect(problems).toEqual([
      { path: '/server/port', message: 'expected integer' },
      { path: '/server/data_dir', message: 'expected string' },
    ]);
  });

  it('a variable that is not what the schema wants is still refused: text where a number goes', () => {
    const { problems } = findConfigProblems({ server: { port: '${PORT}' } }, { PORT: 'eighty' });
    expect(problems).toEqual([{ path: '/server/port', message: 'expected integer' }]);
  });

  it("in a plugin's options: the plugin and the config get the text where its schema wants a string, numbers and booleans where it wants them", async () => {
    acmeOptionsSeen.length = 0;
    const raw = {
      providers: { acme: { api_key: '${ACME_KEY}', headers: { 'x-goog-user-project': '${PROJECT}', 'x-trace': '${TRACE}' }, retries: '${RETRIES}', verbose: '${VERBOSE}' } },
      models: { smart: 'acme/model' },
      chain: [{ label: { text: '${LABEL}' } }, 'adapter'],
    };
    const env = { ACME_KEY: '12345678', PROJECT: '123456789012', TRACE: 'false', RETRIES: '3', VERBOSE: 'true', LABEL: '42' };
    const { config, plugins: resolved } = await checkGatewayConfig(raw, { plugins, env });
    resolved.providers[0]!.plugin.build();
    const expected = { api_key: '12345678', headers: { 'x-goog-user-project': '123456789012', 'x-trace': 'false' }, retries: 3, verbose: true };
    // Built twice: once by the check (a create() that throws is a config problem, 151759f), once here.
    expect(acmeOptionsSeen).toEqual([expected, expected]);
    expect(config.providers['acme']).toEqual(expected);
    expect(config.chain[0]).toEqual({ label: { text: '42' } });
    // `switchyard start` checks the config it checked once more (createGateway), its references gone: it holds the text.
    await expect(checkGatewayConfig(config, { plugins, env: {} })).resolves.toBeDefined();
  });

  it("a plugin's option refused for another reason is reported as before, at its path", async () => {
    const raw = { providers: { acme: { api_key: '${ACME_KEY}', retries: '${RETRIES}' } }, chain: ['adapter'] };
    const error = await checkGatewayConfig(raw, { plugins, env: { ACME_KEY: '12345678', RETRIES: '11' } }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([{ path: '/providers/acme/retries', message: 'must be <= 10' }]);
  });
});
