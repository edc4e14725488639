// Starts the targets as separate processes on free loopback ports: the mock upstream
// first (the others need its port), then the bare proxy and one gateway per variant.
// Every Node target runs with bench/alloc-probe.js preloaded, so its allocations are counted.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startChild, waitForHttp, waitForListening } from './children.js';
import { repoRoot } from './fixtures.js';
import { writeGatewayConfig } from './gateway-config.js';

const benchDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const gatewayBin = binOf(repoRoot);
function binOf(checkout) {
  return path.join(checkout, 'packages', 'cli', 'dist', 'bin.js');
}
const probe = ['--import', path.join(benchDir, 'alloc-probe.js')];

/**
 * The gateway variants BENCH_GATEWAYS can name. `unique`: wrk sends a different user
 * message in every request (so the cache misses); `workers`: `switchyard start --workers N`.
 */
export const gatewayVariants = {
  default: { label: 'gateway default chain', chain: 'default', unique: true },
  full: { label: 'gateway full chain', chain: 'full', unique: true },
  'cache-hit': { label: 'gateway cache hits', chain: 'cache-hit', unique: false },
  workers: { label: 'gateway full, 2 workers', chain: 'full', unique: true, workers: 2 },
};

/** Whether this build's `switchyard start` has `--workers` (another branch adds it). */
export function supportsWorkers(bin = gatewayBin) {
  try {
    const help = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return help.includes('--workers');
  } catch (error) {
    return String(error.stdout ?? '').includes('--workers');
  }
}

/**
 * Resolves with { upstream, targets, profileDirs }: `targets` are the measured ones in
 * table order (direct, proxy, gateways), each { name, label, child, unique }.
 */
export async function startTargets(settings, { resultsDir, stamp, allocDir }) {
  const env = { BENCH_ALLOC_DIR: allocDir };
  const { upstream, proxy } = await startUpstreamAndProxy(env);

  const targets = [
    { name: 'direct', label: 'direct upstream', child: upstream, unique: true },
    { name: 'proxy', label: 'bare proxy', child: proxy, unique: true },
  ];
  const profileDirs = [];
  const workers = settings.gateways.includes('workers') && supportsWorkers();
  for (const name of settings.gateways) {
    const variant = gatewayVariants[name];
    if (variant.workers && !workers) {
      console.log(`note: this build's 'switchyard start' has no --workers; the '${name}' target is skipped`);
      continue;
    }
    // Profiling slows a process down: only the first gateway is profiled.
    const profile = profileDirs.length === 0 && (settings.profile || settings.heapProfile);
    const profileDir = profile ? path.join(resultsDir, `profiles-${stamp}`) : undefined;
    if (profileDir) profileDirs.push(profileDir);
    const child = await startGateway(name, variant, settings, { resultsDir, stamp, env, upstreamPort: upstream.port, profileDir });
    targets.push({ name, label: variant.label, child, unique: variant.unique, gateway: true });
    if (profileDir) {
      console.log(`profiling '${variant.label}' into ${path.relative(process.cwd(), profileDir)} (the profiler slows it: compare numbers only between unprofiled runs)`);
    }
  }
  if (settings.baseline) targets.push(...(await startBaselineGateways(settings, { resultsDir, stamp, env, upstreamPort: upstream.port })));
  return { upstream, targets, profileDirs };
}

/** The variant `name` of the gateway built in another checkout (BENCH_BASELINE). */
export function baselineVariant(name, checkout) {
  const variant = gatewayVariants[name];
  return { ...variant, label: `baseline ${variant.label.replace(/^gateway /, '')}`, bin: binOf(checkout) };
}

/**
 * The settings a baseline gateway runs with: a knob its build may not know yet stays out of its
 * config (its schema would refuse it); its node flags are BENCH_BASELINE_NODE_FLAGS.
 */
export function baselineSettings(settings) {
  return { ...settings, heapGrowingPercent: undefined, gatewayNodeFlags: settings.baselineNodeFlags ?? settings.gatewayNodeFlags };
}

/** BENCH_BASELINE: the other checkout's gateways, same configs, named `baseline-<variant>`. */
async function startBaselineGateways(settings, context) {
  const bin = binOf(settings.baseline);
  const started = [];
  for (const name of settings.baselineGateways) {
    const variant = gatewayVariants[name];
    if (variant.workers && !supportsWorkers(bin)) {
      console.log(`note: the baseline's 'switchyard start' has no --workers; 'baseline-${name}' is skipped`);
      continue;
    }
    const baseline = baselineVariant(name, settings.baseline);
    const child = await startGateway(`baseline-${name}`, baseline, baselineSettings(settings), context);
    started.push({ name: `baseline-${name}`, label: baseline.label, child, unique: variant.unique, gateway: true });
  }
  console.log(`baseline: ${settings.baseline} (${started.map((t) => t.label).join(', ')})`);
  return started;
}

/** The mock upstream and the bare proxy in front of it, each with the allocation probe preloaded. */
export async function startUpstreamAndProxy(env = {}) {
  const upstream = startChild('upstream', process.execPath, [...probe, path.join(benchDir, 'upstream.js'), '0'], { env });
  upstream.port = await waitForListening(upstream);
  const origin = `http://127.0.0.1:${upstream.port}`;
  const proxy = startChild('bare proxy', process.execPath, [...probe, path.join(benchDir, 'bare-proxy.js'), origin, '0'], { env });
  proxy.port = await waitForListening(proxy);
  return { upstream, proxy };
}

/**
 * One `switchyard start` target: `variant` names its chain (and `workers`, and the full chain's steps it goes `without`), `settings`
 * its metrics, fast path, SQLite thread, node flags and logging. `launcher`: a command the
 * gateway's node runs under (e.g. valgrind and its flags), and how long start-up may take then.
 */
export async function startGateway(name, variant, settings, { resultsDir, stamp, env = {}, upstreamPort, profileDir, launcher = [], readyTimeoutMs = 60_000 }) {
  // Each gateway has its own data dir: two processes on one SQLite file would contend for its lock.
  const dataDir = path.join(resultsDir, `data-${stamp}-${name}`);
  mkdirSync(dataDir, { recursive: true });
  const config = writeGatewayConfig(path.join(resultsDir, `gateway-${name}.config.yaml`), variant.chain, settings.metrics, dataDir, {
    fastPath: settings.fastPath ?? 'on',
    sqliteThread: settings.sqliteThread ?? 'worker',
    heapGrowingPercent: settings.heapGrowingPercent,
    without: variant.without,
  });
  // The gateway logs a line per request to stdout; /dev/null keeps the cost of producing
  // it (as in production) without this process paying to read it back.
  const logFile = settings.gatewayLog ? path.join(resultsDir, `gateway-${name}-${stamp}.log`) : '/dev/null';
  const logFd = openSync(logFile, 'w');
  const port = await freePort();
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const profileFlags = [
    ...(profileDir && settings.profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
    // Not --heap-prof: that keeps only what is still alive at exit (see heap-sampler.js).
    ...(profileDir && settings.heapProfile ? ['--import', path.join(benchDir, 'heap-sampler.js')] : []),
  ];
  const child = startChild(
    variant.label,
    launcher[0] ?? process.execPath,
    [
      ...(launcher.length > 0 ? [...launcher.slice(1), process.execPath] : []),
      ...probe,
      ...settings.gatewayNodeFlags,
      ...profileFlags,
      variant.bin ?? gatewayBin, 'start', '--config', config, '--port', String(port), '--host', '127.0.0.1',
      ...(variant.workers ? ['--workers', String(variant.workers)] : []),
    ],
    // A fixed master key stops the gateway from generating and saving one.
    { env: { ...env, ...(profileDir && { BENCH_HEAP_PROFILE_DIR: profileDir }), BENCH_UPSTREAM_PORT: String(upstreamPort), SWITCHYARD_MASTER_KEY: 'sy-master-bench-0123456789abcdef' }, stdout: logFd },
  );
  closeSync(logFd);
  child.port = port;
  // A busy machine (other engineers' tests) can take 20 s and more to start a gateway.
  await waitForHttp(child, `http://127.0.0.1:${port}/health`, readyTimeoutMs);
  if (settings.gatewayLog) console.log(`${variant.label} log: ${path.relative(process.cwd(), logFile)}`);
  return child;
}
