import { builtInPlugins } from '@switchyard/cli';
import { checkGatewayConfig, ConfigError } from '@switchyard/core';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

/** Mistral's and Cohere's keys, an Azure key: letters and digits only, no prefix to be known by. */
const keys = ['aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE', 'COHEREs3cr3tKeyValue0123456789abcdEFGH', 'e0f1e2d3c4b5a69788796a5b4c3d2e1f'];

/** Where a key may be pasted in place of a name (`validate` and `start` check the config this way). */
const places = (key: string) => [
  `providers:\n  openai:\n    ${key}: 1\n`,
  `providers:\n  ${key}: {}\n`,
  `models:\n  ${key}: nowhere/x\n`,
  `models:\n  m: { deployments: [ { target: ${key} } ] }\n`,
  `storage:\n  use: ${key}\n`,
  `chain:\n  - key-scope: { budgets: { teams: { ${key}: 1 } } }\n  - route\n  - adapter\n`,
  `${key}: 1\n`,
];

async function problemLines(text: string): Promise<string[]> {
  const error = await checkGatewayConfig(parse(text), { plugins: builtInPlugins, env: {} }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return new ConfigError((error as ConfigError).problems, 'switchyard.config.yaml', text).formatLines();
}

describe('a key with no known prefix pasted where a name goes', () => {
  for (const key of keys) {
    it(`${key.slice(0, 6)}…: every problem says where, the key blanked`, async () => {
      for (const text of places(key)) {
        const lines = await problemLines(text);
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines) {
          expect(line).toMatch(/^switchyard\.config\.yaml:\d+ /);
          for (let start = 0; start + 12 <= key.length; start++) expect(line).not.toContain(key.slice(start, start + 12));
        }
      }
    });
  }
});
