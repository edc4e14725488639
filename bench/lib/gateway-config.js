// The gateway's config for the benchmark, by chain:
// - default: one OpenAI provider pointing at the mock upstream and the default chain;
// - full: every step of the chain — key auth (the key belongs to a team), key-scope
//   holding a team budget it never reaches, rate-limit with limits it never reaches,
//   circuit-breaker, cache (a miss on every request: the bench sends a unique body
//   each time), route to a group of three deployments, adapter — and the SQLite ledger;
// - cache-hit: the same, with the cache answering every request after the first (the
//   bench sends the same body every time).
// Logging at info, as in production. BENCH_METRICS=off adds `metrics: { enabled: false }`,
// so the same chain can be measured with metrics recorded and without.
import { writeFileSync } from 'node:fs';
import { benchModel } from './fixtures.js';

export const benchApiKey = 'sy-bench-key-0123456789abcdef';
export const benchChains = ['default', 'full', 'cache-hit'];

const upstream = (name) => `  ${name}:
    use: openai
    api_key: \${BENCH_UPSTREAM_KEY:-bench-upstream-key-0123456789}
    base_url: http://127.0.0.1:\${BENCH_UPSTREAM_PORT}/v1
`;

const auth = `  - auth: { keys: [ { name: bench, key: ${benchApiKey}, team: bench } ] }\n`;

/**
 * The full chain's steps, each as its chain line. `team-budget` drops only the budget:
 * key-scope itself stays (its key checks run on every request either way).
 */
const fullChainSteps = [
  ['auth', auth],
  ['team-budget', '  - key-scope: { budgets: { teams: { bench: { limit_usd: 1000000000, period: total } } } }\n'],
  ['rate-limit', '  - rate-limit: { limits: { global: { rpm: 100000000, tpm: 245760000 } } }\n'],
  ['circuit-breaker', '  - circuit-breaker\n'],
  ['cache', '  - cache: { cache_nonzero_temperature: true }\n'],
  ['route', '  - route\n'],
  ['adapter', '  - adapter\n'],
];

/** What `without` (bench/step-costs.js) may leave out of the full chain. */
export const optionalFullChainSteps = ['team-budget', 'rate-limit', 'circuit-breaker', 'cache'];

function configFor(chain, without = []) {
  if (chain === 'default') {
    return `log: { level: info }\nproviders:\n${upstream('upstream')}chain:\n${auth}  - key-scope\n  - route\n  - adapter\n`;
  }
  const steps = fullChainSteps
    .map(([name, line]) => (!without.includes(name) ? line : name === 'team-budget' ? '  - key-scope\n' : ''))
    .join('');
  // The config is the same for both; what differs is the body: unique per request (a miss
  // that is stored) or the same every time (a hit). The bench's temperature is 0.2.
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
${steps}`;
}

/**
 * Writes the config; `dataDir` keeps each gateway's SQLite files apart from the others'.
 * `fastPath: 'off'` measures the same chain translated (BENCH_FAST_PATH); `sqliteThread`
 * runs the SQLite connection in its worker thread or on the event loop (BENCH_SQLITE_THREAD);
 * `without` leaves steps of the full chain out (`optionalFullChainSteps`).
 */
export function writeGatewayConfig(file, chain = 'default', metrics = 'on', dataDir = undefined, { fastPath = 'on', sqliteThread = 'worker', heapGrowingPercent, without = [] } = {}) {
  const metricsSection = metrics === 'off' ? 'metrics: { enabled: false }\n' : '';
  const server = [
    dataDir && `data_dir: ${JSON.stringify(dataDir)}`,
    fastPath === 'off' && 'fast_path: false',
    heapGrowingPercent !== undefined && `heap_growing_percent: ${heapGrowingPercent}`,
  ].filter(Boolean);
  const serverSection = server.length > 0 ? `server: { ${server.join(', ')} }\n` : '';
  // `thread` only when it is not the default, so the same harness can run a build from before it existed.
  const storageSection = `storage: { use: sqlite${sqliteThread === 'worker' ? '' : `, thread: ${sqliteThread}`} }\n`;
  writeFileSync(
    file,
    `# Written by bench/run.js (chain ${chain}${without.length > 0 ? ` without ${without.join(', ')}` : ''}, BENCH_METRICS=${metrics}, BENCH_FAST_PATH=${fastPath}, BENCH_SQLITE_THREAD=${sqliteThread}); the upstream port comes from the environment.\n${configFor(chain, without)}${metricsSection}${serverSection}${storageSection}`,
  );
  return file;
}
