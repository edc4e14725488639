// Starts the targets as separate processes on free loopback ports: the mock upstream
// first (the others need its port), then the bare proxy and the gateway(s).
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startChild, waitForHttp, waitForListening } from './children.js';
import { repoRoot } from './fixtures.js';
import { writeGatewayConfig } from './gateway-config.js';

const benchDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const gatewayBin = path.join(repoRoot, 'packages', 'cli', 'dist', 'bin.js');

/** Resolves with the started children, each with its `port`. */
export async function startTargets(settings, { resultsDir, stamp }) {
  const { upstream, proxy } = await startUpstreamAndProxy();
  const gateway = await startGateway(
    { name: 'gateway', chain: settings.chain, metrics: settings.metrics, fastPath: settings.fastPath, sqliteThread: settings.sqliteThread, nodeFlags: settings.gatewayNodeFlags, log: settings.gatewayLog, profile: settings.profile },
    { resultsDir, stamp, upstreamPort: upstream.port },
  );
  const clusters = [];
  for (const workers of settings.workers.filter((n) => n > 1)) clusters.push(await startClusterGateway(workers, { config: gateway.config, upstream }));
  return { upstream, proxy, gateway, clusters, profileDir: gateway.profileDir };
}

/** The mock upstream and the bare proxy in front of it. */
export async function startUpstreamAndProxy() {
  const upstream = startChild('upstream', process.execPath, [path.join(benchDir, 'upstream.js'), '0']);
  upstream.port = await waitForListening(upstream);
  const origin = `http://127.0.0.1:${upstream.port}`;
  const proxy = startChild('bare proxy', process.execPath, [path.join(benchDir, 'bare-proxy.js'), origin, '0']);
  proxy.port = await waitForListening(proxy);
  return { upstream, proxy };
}

/**
 * One `switchyard start` process. `name` keeps its config, log and profile files apart
 * from other gateways of the same run; `metrics` is `on` or `off`; `nodeFlags` are
 * extra node flags (the OpenTelemetry SDK's `--import`).
 */
export async function startGateway({ name, chain, metrics, fastPath = 'on', sqliteThread = 'worker', nodeFlags = [], log = false, profile = false }, { resultsDir, stamp, upstreamPort }) {
  // The gateway logs a line per request to stdout; /dev/null keeps the cost of producing
  // it (as in production) without this process paying to read it back.
  const suffix = name === 'gateway' ? '' : `-${name}`;
  const config = writeGatewayConfig(path.join(resultsDir, `gateway${suffix}.config.yaml`), chain, metrics, fastPath, sqliteThread);
  const logFile = log ? path.join(resultsDir, `gateway${suffix}-${stamp}.log`) : '/dev/null';
  const logFd = openSync(logFile, 'w');
  const profileDir = profile ? path.join(resultsDir, `profiles${suffix}-${stamp}`) : undefined;
  const port = await freePort();
  const gateway = startChild(
    name,
    process.execPath,
    [
      ...nodeFlags,
      ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
      gatewayBin, 'start', '--config', config, '--port', String(port), '--host', '127.0.0.1',
    ],
    // A fixed master key stops the gateway from generating and saving one.
    { env: { BENCH_UPSTREAM_PORT: String(upstreamPort), SWITCHYARD_MASTER_KEY: 'sy-master-bench-0123456789abcdef' }, stdout: logFd },
  );
  closeSync(logFd);
  gateway.port = port;
  gateway.profileDir = profileDir;
  gateway.config = config;
  await waitForHttp(gateway, `http://127.0.0.1:${port}/health`);
  if (log) console.log(`${name} log: ${path.relative(process.cwd(), logFile)}`);
  if (profileDir) {
    console.log(`profiling ${name} into ${path.relative(process.cwd(), profileDir)} (the profiler slows it: compare numbers only between unprofiled runs)`);
  }
  return gateway;
}

/**
 * A gateway target run with `--workers N` (BENCH_WORKERS): same config, its own data
 * folder. Its `pid` is the cluster primary; `workerPids()` lists the workers, whose
 * CPU measure.js adds to the primary's, so µs/req covers every process of the target.
 */
async function startClusterGateway(workers, { config, upstream }) {
  const port = await freePort();
  const dataDir = path.join(path.dirname(config), `data-workers-${workers}`);
  const clusterConfig = path.join(path.dirname(config), `gateway-workers-${workers}.config.yaml`);
  writeFileSync(clusterConfig, `${readFileSync(config, 'utf8')}server: { data_dir: ${JSON.stringify(dataDir)} }\n`);
  const child = startChild(
    `gateway ×${workers}`,
    process.execPath,
    [gatewayBin, 'start', '--config', clusterConfig, '--port', String(port), '--host', '127.0.0.1', '--workers', String(workers)],
    { env: { BENCH_UPSTREAM_PORT: String(upstream.port), SWITCHYARD_MASTER_KEY: 'sy-master-bench-0123456789abcdef' }, stdout: 'ignore' },
  );
  child.port = port;
  child.workerPids = () => childPids(child.pid);
  // The primary checks the config and migrates before forking: slower to start than one process.
  await waitForHttp(child, `http://127.0.0.1:${port}/health`, 60_000);
  // /health answers once the first worker listens: wait for all of them.
  const deadline = Date.now() + 60_000;
  while (child.workerPids().length < workers && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return { child, workers, name: `gateway-w${workers}`, label: `gateway ×${workers} workers` };
}

/** A process's children, from /proc (Linux only, as the rest of the bench). */
function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
