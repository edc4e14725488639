// Starts the three targets as separate processes on free loopback ports: the mock
// upstream first (the others need its port), then the bare proxy and the gateway.
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startChild, waitForHttp, waitForListening } from './children.js';
import { repoRoot } from './fixtures.js';
import { writeGatewayConfig } from './gateway-config.js';

const benchDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const gatewayBin = path.join(repoRoot, 'packages', 'cli', 'dist', 'bin.js');

/** Resolves with the started children, each with its `port`. */
export async function startTargets(settings, { resultsDir, stamp }) {
  const upstream = startChild('upstream', process.execPath, [path.join(benchDir, 'upstream.js'), '0']);
  upstream.port = await waitForListening(upstream);
  const origin = `http://127.0.0.1:${upstream.port}`;

  const proxy = startChild('bare proxy', process.execPath, [path.join(benchDir, 'bare-proxy.js'), origin, '0']);
  proxy.port = await waitForListening(proxy);

  // The gateway logs a line per request to stdout; /dev/null keeps the cost of producing
  // it (as in production) without this process paying to read it back.
  const config = writeGatewayConfig(path.join(resultsDir, 'gateway.config.yaml'), settings.chain, settings.metrics, settings.fastPath);
  const logFile = settings.gatewayLog ? path.join(resultsDir, `gateway-${stamp}.log`) : '/dev/null';
  const logFd = openSync(logFile, 'w');
  const profileDir = settings.profile ? path.join(resultsDir, `profiles-${stamp}`) : undefined;
  const port = await freePort();
  const gateway = startChild(
    'gateway',
    process.execPath,
    [
      ...settings.gatewayNodeFlags,
      ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
      gatewayBin, 'start', '--config', config, '--port', String(port), '--host', '127.0.0.1',
    ],
    // A fixed master key stops the gateway from generating and saving one.
    { env: { BENCH_UPSTREAM_PORT: String(upstream.port), SWITCHYARD_MASTER_KEY: 'sy-master-bench-0123456789abcdef' }, stdout: logFd },
  );
  closeSync(logFd);
  gateway.port = port;
  await waitForHttp(gateway, `http://127.0.0.1:${port}/health`);
  if (settings.gatewayLog) console.log(`gateway log: ${path.relative(process.cwd(), logFile)}`);
  if (profileDir) {
    console.log(`profiling the gateway into ${path.relative(process.cwd(), profileDir)} (the profiler slows it: compare numbers only between unprofiled runs)`);
  }
  return { upstream, proxy, gateway, profileDir };
}

