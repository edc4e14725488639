// Allocated bytes and CPU per request for a fixed number of requests, on connections
// opened (and warmed) beforehand: the deterministic numbers for a before/after of a
// hot-path change, even on a busy machine where req/s means little.
//   npm run build --silent && node bench/per-request.js
// BENCH_GATEWAYS (default `full,cache-hit`), BENCH_MODES, BENCH_REQUESTS (default 3000),
// BENCH_CONCURRENCY (first value, default 16) apply. Prints one line per target and mode
// (req/s there is the driver's pace on a shared machine: compare it only back to back).
import http from 'node:http';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allocatedBytes } from './lib/alloc.js';
import { stopAll } from './lib/children.js';
import { drive } from './lib/drive.js';
import { chatBody } from './lib/fixtures.js';
import { benchApiKey } from './lib/gateway-config.js';
import { preflight } from './lib/preflight.js';
import { mainThreadCpuMicros, processTree, treeCpuMicros } from './lib/proc-stats.js';
import { envNumber, readSettings } from './lib/settings.js';
import { startTargets } from './lib/targets.js';

const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
const stamp = `per-request-${new Date().toISOString().replace(/[:.]/g, '-')}`;
const requests = envNumber('BENCH_REQUESTS', 3000, { min: 100, integer: true });

async function main() {
  const settings = readSettings({ defaultGateways: ['full', 'cache-hit'] });
  const concurrency = settings.concurrency[0] === 1 && !process.env.BENCH_CONCURRENCY ? 16 : settings.concurrency[0];
  mkdirSync(resultsDir, { recursive: true });
  const allocDir = path.join(resultsDir, `alloc-${stamp}`);
  mkdirSync(allocDir, { recursive: true });
  const { targets } = await startTargets(settings, { resultsDir, stamp, allocDir });
  for (const target of targets) target.url = `http://127.0.0.1:${target.child.port}/v1/chat/completions`;
  const bodies = Object.fromEntries(settings.modes.map((mode) => [mode, chatBody(mode === 'streaming')]));
  await preflight(targets, { bodies, apiKey: benchApiKey });
  const rows = [];
  for (const mode of settings.modes) {
    for (const target of targets) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
      // Warm-up on the same connections: JIT, pools and the connections themselves are
      // in place before counting, so per-connection set-up is not charged to requests.
      // Each drive numbers its bodies under its own prefix: a number reused by a later drive
      // (the measured run after its warm-up, or the streamed mode after the whole one, since
      // the cache key ignores `stream`) would be a cache hit counted as a miss.
      await drive(agent, target, bodies[mode], Math.max(500, requests / 4), concurrency, `${stamp}-${mode}-warm`);
      const pids = processTree(target.child.pid);
      const before = await allocatedBytes(pids, allocDir);
      const cpuBefore = treeCpuMicros(pids);
      const mainCpuBefore = mainThreadCpuMicros(pids);
      const started = performance.now();
      await drive(agent, target, bodies[mode], requests, concurrency, `${stamp}-${mode}`);
      const elapsedMs = performance.now() - started;
      const cpuUs = treeCpuMicros(pids) - cpuBefore;
      const mainCpuUs = mainThreadCpuMicros(pids) - mainCpuBefore;
      const after = await allocatedBytes(pids, allocDir);
      agent.destroy();
      const row = {
        target: target.name,
        mode,
        requests,
        allocBytesPerRequest: (after.bytes - before.bytes) / requests,
        cpuUsPerRequest: cpuUs / requests,
        mainThreadCpuUsPerRequest: mainCpuUs / requests,
        requestsPerSecond: (requests / elapsedMs) * 1000,
        gcs: after.gcs - before.gcs,
      };
      rows.push(row);
      console.log(
        `${mode.padEnd(13)} ${target.label.padEnd(24)} ${(row.allocBytesPerRequest / 1024).toFixed(1).padStart(7)} KB alloc/req  ` +
          `${row.cpuUsPerRequest.toFixed(0).padStart(6)} µs CPU/req (main thread ${row.mainThreadCpuUsPerRequest.toFixed(0).padStart(5)})  ${row.gcs} GCs  ` +
          `${row.requestsPerSecond.toFixed(0).padStart(5)} req/s`,
      );
    }
  }
  rmSync(allocDir, { recursive: true, force: true });
  writeFileSync(path.join(resultsDir, `${stamp}.json`), `${JSON.stringify({ requests, concurrency, rows }, null, 2)}\n`);
}

main().then(
  () => stopAll().then(() => process.exit(0)),
  (error) => {
    console.error(error.stack ?? error);
    stopAll(2000).finally(() => process.exit(1));
  },
);
