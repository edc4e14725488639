import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain-JS bench module, without types
import { benchChains, optionalFullChainSteps, writeGatewayConfig } from '../bench/lib/gateway-config.js';
import { runCli } from './support/run-cli.js';

// `npm run bench` starts the gateway on these configs; one the config checker refuses
// stops the whole bench at its first target (a bound on rate limits once refused the full
// chain's tpm). Each is checked as `switchyard start` would read it.
describe("the bench's gateway configs", () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'switchyard-bench-configs-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const variants: Array<[string, string, object]> = [
    ...(benchChains as string[]).map((chain): [string, string, object] => [chain, 'on', {}]),
    ['full', 'off', { fastPath: 'off', sqliteThread: 'main', heapGrowingPercent: 0 }],
    ['full', 'on', { without: optionalFullChainSteps as string[] }],
  ];

  it.each(variants)('chain %s (metrics %s, %j) passes switchyard validate', async (chain, metrics, options) => {
    const file = path.join(folder, `${chain}-${metrics}-${Object.keys(options).join('-') || 'defaults'}.yaml`);
    writeGatewayConfig(file, chain, metrics, path.join(folder, 'data'), options);
    const result = await runCli(['validate', '--config', file], { cwd: folder, env: { BENCH_UPSTREAM_PORT: '18080' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
