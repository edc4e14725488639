// How long SQLite bookkeeping holds the event loop, in-thread (`thread: main`) against
// the worker thread (`thread: worker`): ledger batches of BATCH records, the way the
// usage recorder writes them, while the event loop's delay is sampled every ms.
// Usage: npm run build && node bench/sqlite-loop-delay.js   (BATCH=1000 BATCHES=30)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openSqliteStorage } from '../plugins/store-sqlite/dist/index.js';

const batch = Number(process.env.BATCH ?? 1000);
const batches = Number(process.env.BATCHES ?? 30);

function record(i, n) {
  return {
    id: `req_${n}_${i}`, at: new Date().toISOString(), endpoint: 'chat', keyId: 'key_bench', team: 'team', project: undefined,
    requestedModel: 'gpt-4o-mini', provider: 'openai', model: 'gpt-4o-mini', stream: false, inputTokens: 120, outputTokens: 30,
    cachedInputTokens: 0, reasoningTokens: 0, costUsd: 0.0001, latencyMs: 12, status: 200, errorCode: undefined, cacheHit: false, attempts: 1,
  };
}

for (const thread of ['main', 'worker']) {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-loop-delay-'));
  const storage = openSqliteStorage({ file: path.join(dir, 'bench.db'), thread });
  await storage.ledger.migrate();
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const started = performance.now();
  for (let n = 0; n < batches; n++) {
    await storage.ledger.append(Array.from({ length: batch }, (_, i) => record(i, n)));
    // One batch per "flush interval", with the loop free in between, as the recorder does.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const elapsedMs = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 20));
  histogram.disable();
  await storage.ledger.close();
  rmSync(dir, { recursive: true, force: true });
  const ms = (ns) => (ns / 1e6).toFixed(2);
  console.log(
    `thread: ${thread.padEnd(6)} ${batches} batches of ${batch}: ${(elapsedMs / batches).toFixed(2)} ms per batch; ` +
      `event-loop delay p50 ${ms(histogram.percentile(50))} ms, p99 ${ms(histogram.percentile(99))} ms, max ${ms(histogram.max)} ms`,
  );
}
