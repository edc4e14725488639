import { builtInPlugins } from '@switchyard/cli';
import { checkGatewayConfig, ConfigError, gatewayConfigSchema, type JsonSchema } from '@switchyard/core';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

/** Node's timers take at most this many ms; a longer one fires after 1 ms (TimeoutOverflowWarning). */
const maxTimerMs = 2_147_483_647;

/** Every number in a schema, by where it is, with its ceiling (undefined: none). */
function numbersIn(schema: unknown, where: string, found: Array<{ where: string; maximum: unknown }> = []): typeof found {
  if (Array.isArray(schema)) schema.forEach((item, index) => numbersIn(item, `${where}[${index}]`, found));
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return found;
  const node = schema as JsonSchema;
  const types = ([] as unknown[]).concat(node['type']);
  if ((types.includes('integer') || types.includes('number')) && node['enum'] === undefined && node['const'] === undefined) {
    found.push({ where, maximum: node['maximum'] ?? node['exclusiveMaximum'] });
  }
  for (const [key, value] of Object.entries(node)) if (value && typeof value === 'object') numbersIn(value, `${where}/${key}`, found);
  return found;
}

const schemas: Array<[string, unknown]> = [
  ['config', gatewayConfigSchema],
  ...builtInPlugins.map((plugin): [string, unknown] => [`${plugin.kind} ${plugin.pluginName}`, plugin.optionsSchema]),
];

describe('every number in the config is bounded', () => {
  // YAML writes `.inf` and 1e309 reads as Infinity: a number without a ceiling took either.
  // A price of .inf made every usage record unwritable (cost_usd NULL), retried until shutdown
  // failed; a timeout past 2^31 ms fired after 1 ms (shutdown_timeout_ms cut every drain).
  it.each(schemas)('%s: every number has a finite maximum, every *_ms one a timer can wait', (_name, schema) => {
    const numbers = numbersIn(schema, '');
    const unbounded = numbers.filter(({ maximum }) => typeof maximum !== 'number' || !Number.isFinite(maximum)).map(({ where }) => where);
    expect(unbounded).toEqual([]);
    const pastTimers = numbers.filter(({ where, maximum }) => /_ms(\/|$)/.test(where) && (maximum as number) > maxTimerMs).map(({ where }) => where);
    expect(pastTimers).toEqual([]);
  });

  it('refuses .inf and 1e309 with the path, where it once took them', async () => {
    const raw = parse(
      [
        'prices:',
        '  mock/echo: {input: .inf, output: 1e309}',
        'server:',
        '  shutdown_timeout_ms: 3000000000',
        'models:',
        '  smart: {deployments: [{target: mock/echo, weight: .inf}], timeout_ms: 1e309}',
      ].join('\n'),
    ) as unknown;
    const error = await checkGatewayConfig(raw, { plugins: builtInPlugins }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).problems.map((problem) => problem.path);
    expect(paths).toEqual(
      expect.arrayContaining(['/prices/mock~1echo/input', '/prices/mock~1echo/output', '/server/shutdown_timeout_ms', '/models/smart/deployments/0/weight', '/models/smart/timeout_ms']),
    );
  });
});

describe('limits.model_list_timeout_ms', () => {
  it.each([[0], [999], [120_001], [1.5], ['10s']])('refuses %j at its path', async (value) => {
    const error = await checkGatewayConfig({ limits: { model_list_timeout_ms: value } }, { plugins: builtInPlugins }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => problem.path)).toEqual(['/limits/model_list_timeout_ms']);
  });

  it('is 10 s unless set', async () => {
    const { config } = await checkGatewayConfig({}, { plugins: builtInPlugins });
    expect(config.limits.model_list_timeout_ms).toBe(10_000);
  });
});

describe('key-scope unpriced_models', () => {
  it.each([['deny'], [true], ['']])('refuses %j at its path, naming the values it takes', async (value) => {
    const error = await checkGatewayConfig(
      { storage: { use: 'sqlite' }, chain: ['auth', { 'key-scope': { unpriced_models: value } }, 'route', 'adapter'] },
      { plugins: builtInPlugins },
    ).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const problem = (error as ConfigError).problems.find((candidate) => candidate.path === '/chain/1/key-scope/unpriced_models');
    expect(problem?.message).toMatch(/allow.*refuse/);
  });
});

describe('provider credentials', () => {
  // A key read from a CRLF .env file ends in \r: validate passed it, and every call then failed as
  // 502 upstream_unreachable ("invalid authorization header"), far from the cause.
  it.each([
    ['openai', { api_key: 'sk-crlf-secret-0123456789\r' }, '/providers/openai/api_key'],
    ['anthropic', { api_key: 'sk-ant-crlf-secret-0123\r' }, '/providers/anthropic/api_key'],
    ['gemini', { api_key: 'AIza-crlf-secret-0123\n' }, '/providers/gemini/api_key'],
    ['cohere', { api_key: 'co-crlf secret-0123' }, '/providers/cohere/api_key'],
    ['mistral', { api_key: 'mi-crlf-secret-0123\r' }, '/providers/mistral/api_key'],
    ['azure', { bearer_token: 'ey-crlf-secret-0123\r', base_url: 'https://x.openai.azure.com/openai/v1' }, '/providers/azure/bearer_token'],
    ['bedrock', { region: 'us-east-1', access_key_id: 'AKIA0123456789ABCDEF', secret_access_key: 'crlf-secret-0123\r' }, '/providers/bedrock/secret_access_key'],
    // Sent as the OpenAI-Organization and OpenAI-Project headers: every call was a 500 internal_error ("invalid header").
    ['openai', { api_key: 'sk-0123456789abcdef', organization: 'org-crlf\r' }, '/providers/openai/organization'],
    ['openai', { api_key: 'sk-0123456789abcdef', project: 'proj_crlf\n' }, '/providers/openai/project'],
  ])('%s: a credential with a line break or a space is refused at its path, not quoted', async (provider, options, pointer) => {
    const error = await checkGatewayConfig({ providers: { [provider]: options } }, { plugins: builtInPlugins }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((problem) => problem.path)).toContain(pointer);
    expect(JSON.stringify(problems)).not.toContain('crlf');
  });
});
