import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';

async function problemLines(text: string): Promise<string[]> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-step-options-'));
  await writeFile(path.join(cwd, 'switchyard.config.yaml'), text);
  const error = await loadConfig({ cwd, env: {} }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).formatLines();
}

describe("a step's options written as a top-level key", () => {
  // The README's inline `key-scope: { budgets: … }`, copied to the top of a config, was refused as
  // "unknown key (not allowed here)", with nothing to say that a step's options go in its chain entry.
  it('is refused with the chain entry to write instead', async () => {
    const lines = await problemLines(
      'providers:\n  mock: {}\nkey-scope: { budgets: { teams: { research: { limit_usd: 500, period: monthly } } } }\n',
    );
    expect(lines).toEqual([
      "switchyard.config.yaml:3 key-scope: is a step of the chain, not a top-level key: give its options in its entry under chain: ('- key-scope: { … }')",
    ]);
  });

  it('leaves other unknown top-level keys as they were', async () => {
    expect(await problemLines('providers:\n  mock: {}\ncolour: blue\n')).toEqual(['switchyard.config.yaml:3 colour: unknown key (not allowed here)']);
  });
});
