import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtInPlugins } from '@switchyard/cli';
import { checkGatewayConfig, ConfigError, gatewayConfigSchema } from '@switchyard/core';
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

  it("switchyard.example.yaml without CI_GATEWAY_KEY is refused: its default key is the placeholder 'sy-ci-change-me-…'", async () => {
    const raw = parse(readFileSync(path.join(root, 'config/switchyard.example.yaml'), 'utf8')) as unknown;
    const refused = await checkGatewayConfig(raw, { plugins: builtInPlugins, env: { OPENAI_API_KEY: 'sk-example' } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems).toEqual([
      { path: expect.stringMatching(/^\/chain\/\d+\/auth\/keys\/0\/key$/), message: expect.stringContaining('placeholder') },
    ]);
  });
});
