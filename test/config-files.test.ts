import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtInPlugins } from '@switchyard/cli';
import { checkGatewayConfig, ConfigError, defaultChain, gatewayConfigSchema } from '@switchyard/core';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('the config files in config/', () => {
  it('switchyard.schema.json is the schema the gateway checks against (npm run schema)', () => {
    const written = JSON.parse(readFileSync(path.join(root, 'config/switchyard.schema.json'), 'utf8')) as Record<string, unknown>;
    const { $schema, ...schema } = written;
    expect($schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema).toEqual(JSON.parse(JSON.stringify(gatewayConfigSchema)));
  });

  it('switchyard.example.yaml is a valid config', async () => {
    const raw = parse(readFileSync(path.join(root, 'config/switchyard.example.yaml'), 'utf8')) as unknown;
    const { config } = await checkGatewayConfig(raw, {
      plugins: builtInPlugins,
      env: { OPENAI_API_KEY: 'sk-example', CI_GATEWAY_KEY: 'sy-ci-0123456789abcdef' },
    });
    expect(Object.keys(config.providers)).toEqual(['mock', 'openai']);
    expect(config.models['demo']).toBe('mock/echo');
  });

  it('switchyard.example.yaml keeps the full default chain and ships no working key', async () => {
    const text = readFileSync(path.join(root, 'config/switchyard.example.yaml'), 'utf8');
    const { config } = await checkGatewayConfig(parse(text) as unknown, { plugins: builtInPlugins, env: { OPENAI_API_KEY: 'sk-example' } });
    const stepNames = config.chain.map((entry) => (typeof entry === 'string' ? entry : Object.keys(entry)[0]));
    expect(stepNames).toEqual(defaultChain);
    // No literal key and no `${VAR:-default}` fallback that would make one.
    expect(text).not.toMatch(/\bsy-[A-Za-z0-9-]{8,}/);
    expect(text).not.toMatch(/change-me/i);
    expect(config.master_key).toBeUndefined();
    const auth = config.chain.find((entry) => typeof entry !== 'string' && 'auth' in entry) as { auth: { keys?: unknown[] } | null } | undefined;
    expect(auth?.auth?.keys ?? []).toEqual([]);
  });

  it('switchyard.example.yaml names the CLI as a clone has it (npx switchyard)', () => {
    // Its comments said to run `switchyard validate --config FILE`: "command not found" in a
    // clone, where the binary is node_modules/.bin/switchyard. (A command named in prose,
    // `switchyard start` alone, is its name, not a line to run.)
    const text = readFileSync(path.join(root, 'config/switchyard.example.yaml'), 'utf8');
    const commands = [...text.matchAll(/`([^`]*\bswitchyard (?:start|validate|keys|usage) [^`]+)`/g)].map((match) => match[1]!);
    expect(commands.length).toBeGreaterThan(1);
    expect(commands.filter((command) => !command.startsWith('npx switchyard '))).toEqual([]);
  });

  it("refuses a placeholder key such as 'sy-ci-change-me-…', the kind old example files shipped", async () => {
    const raw = { chain: [{ auth: { keys: [{ name: 'ci', key: '${CI_GATEWAY_KEY:-sy-ci-change-me-0000000000}' }] } }, 'route', 'adapter'] };
    const refused = await checkGatewayConfig(raw, { plugins: builtInPlugins, env: {} }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems).toEqual([
      { path: expect.stringMatching(/^\/chain\/0\/auth\/keys\/0\/key$/), message: expect.stringContaining('placeholder') },
    ]);
  });
});
