import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import pino from 'pino';
import { ConfigError, createGateway, loadConfig } from '../src/index.js';

/** An Azure key: 32 hex digits, no prefix a pattern could know it by. */
const azureKey = 'e0f1e2d3c4b5a69788796a5b4c3d2e1f';

async function configErrorOf(content: string, file = 'switchyard.config.json'): Promise<ConfigError> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-secret-'));
  await writeFile(path.join(cwd, file), content);
  try {
    await loadConfig({ cwd, env: {} });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the config loaded');
}

describe('a config file that does not parse, with a key in it', () => {
  it('says where JSON.parse stopped, not the text it quotes: a key left unquoted is not printed in part', async () => {
    const error = await configErrorOf(`{\n  "providers": {\n    "azure": { "endpoint": "https://x.openai.azure.com", "api_key": ${azureKey} }\n  }\n}\n`);
    const lines = error.formatLines();
    expect(lines).toHaveLength(1);
    // JSON.parse said: Unexpected token 'e', ..."api_key": e0f1e2d3c4"... is not valid JSON
    expect(lines[0]).toMatch(/^switchyard\.config\.json:3 \(top level\): cannot read config: .*position \d+/);
    for (let start = 0; start + 6 <= azureKey.length; start++) expect(lines[0]).not.toContain(azureKey.slice(start, start + 6));
    expect(error.message).not.toContain(azureKey.slice(0, 6));
  });

  it('says where a file that is only a key pasted in stopped, in the same words', async () => {
    // JSON.parse said: Unexpected token 'e', "e0f1e2d3c4"... is not valid JSON
    const lines = (await configErrorOf(`${azureKey}\n`)).formatLines();
    expect(lines).toEqual(["switchyard.config.json:1 (top level): cannot read config: Unexpected token 'e' in JSON at position 0"]);
  });
});

describe('a YAML config whose secret starts with a character YAML reads as syntax', () => {
  // A generated password may start with any of them; the yaml package's message quoted the token whole.
  const cases: Array<[string, string, RegExp]> = [
    ['an alias (*)', `*${azureKey}`, /^switchyard\.config\.yaml \(top level\): cannot read config: Unresolved alias \(the anchor must be set before the alias\)$/],
    ['a tag (!) before a value', `!${azureKey} more`, /^switchyard\.config\.yaml:4 \(top level\): cannot read config: Unresolved tag at line 4, column \d+ \(a config is plain YAML/],
    ['a tag (!) alone', `!${azureKey}`, /^switchyard\.config\.yaml:4 \(top level\): cannot read config: Unresolved tag at line 4, column \d+ \(a config is plain YAML/],
    ['a tag of a handle (!a!…)', `!a!${azureKey} x`, /^switchyard\.config\.yaml:4 \(top level\): cannot read config: Could not resolve tag at line 4, column \d+$/],
    ['a literal block (|)', `|${azureKey}`, /^switchyard\.config\.yaml:4 \(top level\): cannot read config: Block scalar header includes extra characters at line 4, column \d+$/],
    ['a folded block (>)', `>${azureKey}`, /^switchyard\.config\.yaml:4 \(top level\): cannot read config: Block scalar header includes extra characters at line 4, column \d+$/],
    // A backslash in double quotes starts an escape: `\U` takes the eight characters after it, and the message quoted them.
    ['an escape (\\U) in double quotes', `"\\U${azureKey}"`, /^switchyard\.config\.yaml:4 \(top level\): cannot read config: Invalid escape sequence at line 4, column \d+ \(in double quotes/],
  ];
  for (const [label, value, said] of cases) {
    it(`${label}: says what and where, not the token`, async () => {
      const error = await configErrorOf(`providers:\n  azure:\n    endpoint: https://x.openai.azure.com\n    api_key: ${value}\n`, 'switchyard.config.yaml');
      const lines = error.formatLines();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(said);
      for (let start = 0; start + 6 <= azureKey.length; start++) expect(lines[0]).not.toContain(azureKey.slice(start, start + 6));
      expect(error.message).not.toContain(azureKey.slice(0, 6));
    });
  }
});

describe('a key pasted between ${ and } (read as the name of a variable that is not set)', () => {
  // Mistral's and Cohere's keys are letters and digits, an Azure key may start with a letter: each reads as a name.
  const mistralKey = 'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE';
  for (const [label, value] of [
    ['a key alone', `\${${mistralKey}}`],
    ['an Azure key alone', `\${${azureKey}}`],
    ['a key in a default that holds a variable', `\${AZURE_KEY:-\${${azureKey}}}`],
  ] as const) {
    it(`${label}: the problem says where, not the text between the braces`, async () => {
      const error = await configErrorOf(`providers:\n  azure:\n    endpoint: https://x.openai.azure.com\n    api_key: "${value}"\n`, 'switchyard.config.yaml');
      const lines = error.formatLines();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^switchyard\.config\.yaml:4 providers\.azure\.api_key: /);
      for (const key of [mistralKey, azureKey]) for (let start = 0; start + 6 <= key.length; start++) expect(lines[0]).not.toContain(key.slice(start, start + 6));
    });
  }

  it('a variable named as variables are (OPENAI_API_KEY, database_url) is still named', async () => {
    const error = await configErrorOf('providers:\n  openai:\n    api_key: "${OPENAI_API_KEY}"\n    base_url: "${database_url}"\n', 'switchyard.config.yaml');
    expect(error.formatLines()).toEqual([
      'switchyard.config.yaml:3 providers.openai.api_key: environment variable OPENAI_API_KEY is not set (write ${OPENAI_API_KEY:-default} for a default)',
      'switchyard.config.yaml:4 providers.openai.base_url: environment variable database_url is not set (write ${database_url:-default} for a default)',
    ]);
  });
});

describe('a long run of letters and digits in a problem', () => {
  it('a long name of letters only, or digits only, is still named', async () => {
    const lines = (await configErrorOf(`server:\n  ${'a'.repeat(40)}: 1\n  "${'7'.repeat(40)}": 1\n`, 'switchyard.config.yaml')).formatLines();
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).toContain(`server.${'a'.repeat(40)}: unknown key`);
    expect(lines.join('\n')).toContain(`${'7'.repeat(40)}]: unknown key`);
  });
});

describe('a ConfigError an embedding app logs or lets crash the process', () => {
  // An app that calls loadConfig/createGateway itself prints the error its own way: the uncaught
  // handler and console.error inspect it, pino's err serializer copies its own fields, a JSON log
  // stringifies it. Only formatLines() was redacted: the file's text and the raw problems were there whole.
  const printed = (error: ConfigError) => [inspect(error), JSON.stringify(pino.stdSerializers.err(error))];

  it('prints neither the file nor a key pasted into it, and its message says what is wrong', async () => {
    const key = 'sk-proj-Abcdefghijklmnopqrstuvwxyz0123456789ABCD';
    const error = await configErrorOf(`providers:\n  openai:\n    api_key: ${key}\n    ${azureKey}: true\nserver:\n  port: nope\n`, 'switchyard.config.yaml');
    expect(JSON.stringify(error)).toBe('{"file":"switchyard.config.yaml","name":"ConfigError"}');
    for (const text of printed(error)) {
      expect(text).not.toContain(key.slice(8, 20));
      expect(text).not.toContain(azureKey.slice(0, 12));
      expect(text).toContain('switchyard.config.yaml:6 server.port: expected integer');
    }
    expect(error.message).toBe(`invalid configuration in switchyard.config.yaml: 1 problem(s)\n  ${error.formatLines().join('\n  ')}`);
  });

  it('of a config object given to createGateway: the message names each problem, a key used as a name blanked', async () => {
    const key = 'sk-proj-Abcdefghijklmnopqrstuvwxyz0123456789ABCD';
    const error = await createGateway({ providers: { mock: { [key]: true } }, chain: ['route', 'adapter'], logging: {} }).then(
      () => expect.unreachable('the gateway started'),
      (caught: unknown) => caught as ConfigError,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems).toHaveLength(2);
    expect(JSON.stringify(error)).not.toContain(key.slice(8, 20));
    for (const text of printed(error)) {
      expect(text).not.toContain(key.slice(8, 20));
      expect(text).toContain('logging: unknown key (not allowed here)');
    }
    expect(error.message).toMatch(/^invalid configuration: 2 problem\(s\)\n {2}\S/);
  });
});
