// The gateway's config for the benchmark, by BENCH_CHAIN:
// - default: one OpenAI provider pointing at the mock upstream and the default chain;
// - full: every step of the chain (key-scope, rate-limit with a limit it never
//   reaches, circuit-breaker, cache that bypasses the bench's temperature-0.2
//   request, route) and the bench model as a group of three deployments;
// - cache-hit: the same, with the cache answering every request after the first.
// Logging at info, as in production. BENCH_METRICS=off adds `metrics: { enabled: false }`,
// so the same chain can be measured with metrics recorded and without. BENCH_FAST_PATH=off
// adds `server: { fast_path: false }`, so the same chain can be measured translated.
import { writeFileSync } from 'node:fs';
import { benchModel } from './fixtures.js';

export const benchApiKey = 'sy-bench-key-0123456789abcdef';
export const benchChains = ['default', 'full', 'cache-hit'];

const upstream = (name) => `  ${name}:
    use: openai
    api_key: bench-upstream-key-0123456789
    base_url: http://127.0.0.1:\${BENCH_UPSTREAM_PORT}/v1
`;

const auth = `  - auth: { keys: [ { name: bench, key: ${benchApiKey} } ] }\n`;

function configFor(chain) {
  if (chain === 'default') {
    return `log: { level: info }\nproviders:\n${upstream('upstream')}chain:\n${auth}  - key-scope\n  - route\n  - adapter\n`;
  }
  const cache = chain === 'cache-hit' ? '{ cache_nonzero_temperature: true }' : '{}';
  return `log: { level: info }
providers:
${upstream('up-a')}${upstream('up-b')}${upstream('up-c')}models:
  ${benchModel}:
    strategy: weighted
    deployments:
      - { target: up-a/gpt-4o-mini }
      - { target: up-b/gpt-4o-mini }
      - { target: up-c/gpt-4o-mini }
chain:
${auth}  - key-scope
  - rate-limit: { limits: { global: { rpm: 100000000, tpm: 100000000000 } } }
  - circuit-breaker
  - cache: ${cache}
  - route
  - adapter
`;
}

export function writeGatewayConfig(file, chain = 'default', metrics = 'on', fastPath = 'on', sqliteThread = 'worker') {
  const metricsSection = metrics === 'off' ? 'metrics: { enabled: false }\n' : '';
  const serverSection = fastPath === 'off' ? 'server: { fast_path: false }\n' : '';
  // The ledger's SQLite file, in the worker thread or on the event loop (BENCH_SQLITE_THREAD).
  const storageSection = `storage: { use: sqlite, thread: ${sqliteThread} }\n`;
  writeFileSync(
    file,
    `# Written by bench/run.js (BENCH_CHAIN=${chain}, BENCH_METRICS=${metrics}, BENCH_FAST_PATH=${fastPath}, BENCH_SQLITE_THREAD=${sqliteThread}); the upstream port comes from the environment.\n${configFor(chain)}${metricsSection}${serverSection}${storageSection}`,
  );
  return file;
}
