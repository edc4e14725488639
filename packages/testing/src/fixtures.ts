import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Environment variable naming the shared fixtures folder (the one holding
 * `providers/`), for layouts where walking up from this package does not find it.
 */
export const fixturesDirEnv = 'SWITCHYARD_FIXTURES_DIR';

const fixtureTexts = new Map<string, string>();
let walkedProvidersDir: string | undefined;

/**
 * Absolute path of the `providers` folder of the shared wire fixtures.
 *
 * The fixtures live in a `shared/` folder beside the repository (at `/work/shared`
 * for `/work/main`, and beside the clone in CI), so we walk up from this file and
 * try `shared/fixtures/providers` under every ancestor. `SWITCHYARD_FIXTURES_DIR`
 * overrides the search.
 */
export function providerFixturesDir(): string {
  const fromEnv = process.env[fixturesDirEnv];
  if (fromEnv) {
    const nested = resolve(fromEnv, 'providers');
    return existsSync(nested) ? nested : resolve(fromEnv);
  }
  walkedProvidersDir ??= walkUpForProvidersDir(dirname(fileURLToPath(import.meta.url)));
  return walkedProvidersDir;
}

/** Text of one fixture file, e.g. `readFixture('openai', 'stream.txt')`; cached after the first read. */
export function readFixture(provider: string, file: string): string {
  const path = join(providerFixturesDir(), provider, file);
  let text = fixtureTexts.get(path);
  if (text === undefined) {
    text = readFileSync(path, 'utf8');
    fixtureTexts.set(path, text);
  }
  return text;
}

/** A JSON fixture file, parsed. The caller names the shape it expects; nothing checks it. */
export function readFixtureJson<T = unknown>(provider: string, file: string): T {
  return JSON.parse(readFixture(provider, file)) as T;
}

function walkUpForProvidersDir(start: string): string {
  let directory = start;
  for (;;) {
    const candidate = join(directory, 'shared', 'fixtures', 'providers');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  throw new Error(
    `Could not find shared/fixtures/providers above ${start}; set ${fixturesDirEnv} to the shared fixtures folder.`,
  );
}
