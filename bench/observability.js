// What observability costs: the same gateway chain with metrics off, metrics on, and
// metrics plus an OpenTelemetry SDK (BENCH_VARIANTS), one gateway process per variant,
// measured with the bare proxy in interleaved rounds (the order rotating each round)
// so drift and noise hit every variant alike. Prints req/s, p50 and p99 side by side
// with ratios against the first variant and the bare proxy. See bench/README.md.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertRunning, runBenchMain, stopChild } from './lib/children.js';
import { chatBody, fixturesDir } from './lib/fixtures.js';
import { benchApiKey } from './lib/gateway-config.js';
import { measureUndisturbed } from './lib/measure.js';
import { readVariants } from './lib/observability-variants.js';
import { preflight } from './lib/preflight.js';
import { readSettings } from './lib/settings.js';
import { summarise } from './lib/summary.js';
import { gatewayBin, startGateway, startUpstreamAndProxy } from './lib/targets.js';
import { assertWrkInstalled, runWrk } from './lib/wrk.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(benchDir, 'results');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');

runBenchMain(main);

/** This script's defaults differ from run.js's: the full chain, concurrency 1 and 16, three rounds. */
function observabilitySettings() {
  const settings = readSettings();
  if (!process.env.BENCH_CHAIN) settings.chain = 'full';
  if (!process.env.BENCH_CONCURRENCY) settings.concurrency = [1, 16];
  if (!process.env.BENCH_ROUNDS) settings.rounds = 3;
  return settings;
}

async function main() {
  const wrkVersion = assertWrkInstalled();
  const settings = observabilitySettings();
  const variants = readVariants();
  if (!existsSync(gatewayBin)) throw new Error(`${gatewayBin} is missing; build first (npx tsc -b)`);
  mkdirSync(resultsDir, { recursive: true });
  const targetCount = variants.length + 1;
  const seconds = settings.modes.length * settings.concurrency.length * settings.rounds * targetCount * (settings.durationSec + settings.warmupSec + 0.4);
  console.log(`fixtures: ${fixturesDir()}`);
  console.log(
    `chain ${settings.chain}; variants ${variants.map((v) => v.name).join(', ')} (baseline ${variants[0].name}); ` +
      `${settings.durationSec}s runs after ${settings.warmupSec}s warm-up, ${settings.rounds} rounds, concurrency ${settings.concurrency.join('/')}; ` +
      `about ${Math.round(seconds + settings.modes.length * targetCount * 2 * settings.warmupSec + 10)}s in total`,
  );

  const bodyFiles = {};
  const bodies = {};
  for (const mode of settings.modes) {
    bodies[mode] = chatBody(mode === 'streaming');
    bodyFiles[mode] = path.join(resultsDir, `body-${mode}.json`);
    writeFileSync(bodyFiles[mode], bodies[mode]);
  }

  // Where the allocation probe in each target answers (bench/alloc-probe.js).
  const allocDir = path.join(resultsDir, `alloc-${stamp}`);
  mkdirSync(allocDir, { recursive: true });
  const env = { BENCH_ALLOC_DIR: allocDir };
  const { upstream, proxy } = await startUpstreamAndProxy(env);
  // unique: every request's user message differs (BENCH_UNIQUE in post.lua), so the full chain misses the cache and stores, as in npm run bench.
  const targets = [{ name: 'proxy', label: 'bare proxy', child: proxy, unique: true }];
  for (const variant of variants) {
    const child = await startGateway(
      variant.name,
      { label: variant.label, chain: settings.chain },
      { ...settings, metrics: variant.metrics, gatewayNodeFlags: [...settings.gatewayNodeFlags, ...variant.nodeFlags] },
      { resultsDir, stamp, env, upstreamPort: upstream.port },
    );
    targets.push({ name: variant.name, label: variant.label, kind: 'gateway', child, variant, unique: true });
  }
  for (const target of targets) target.url = `http://127.0.0.1:${target.child.port}/v1/chat/completions`;
  const children = [upstream, ...targets.map((target) => target.child)];
  await preflight(targets, { bodies, apiKey: benchApiKey });
  await checkVariants(targets);

  if (settings.warmupSec > 0) {
    const connections = Math.max(...settings.concurrency);
    console.log(`warming up every target (${2 * settings.warmupSec}s per mode at c${connections})…`);
    for (const mode of settings.modes) {
      for (const target of targets) {
        await runWrk({ url: target.url, bodyFile: bodyFiles[mode], apiKey: benchApiKey, connections, threads: settings.wrkThreads, seconds: 2 * settings.warmupSec });
        assertRunning(children);
      }
    }
  }

  const peaks = {};
  const retryBudget = { seconds: settings.retryBudgetSec };
  const runs = [];
  for (const mode of settings.modes) {
    for (const concurrency of settings.concurrency) {
      for (let round = 1; round <= settings.rounds; round++) {
        // Rotated each round, so no variant always runs right after the same neighbour.
        const shift = (round - 1) % targets.length;
        for (const target of [...targets.slice(shift), ...targets.slice(0, shift)]) {
          const run = await measureUndisturbed({ target, upstream, children, mode, concurrency, round, settings, bodyFile: bodyFiles[mode], peaks, allocDir, retryBudget });
          runs.push(run);
          console.log(
            `  ${mode} c${concurrency} round ${round} ${target.label.padEnd(18)} ${run.rps.toFixed(0).padStart(6)} req/s  ` +
              `p50 ${(run.latencyUs.p50 / 1000).toFixed(3)} ms  p99 ${(run.latencyUs.p99 / 1000).toFixed(3)} ms`,
          );
        }
      }
    }
  }

  const summary = summarise(runs, settings, targets);
  console.log('');
  console.log(sideBySide(summary, settings, targets, variants[0].name));

  // The SDK's preload prints how many spans it ended when its process exits: proof tracing was on.
  for (const target of targets) {
    await stopChild(target.child);
    const spans = /otel-sdk: (\d+) spans ended/.exec(target.child.stderrTail)?.[1];
    if (target.variant?.tracing) console.log(`${target.label}: ${spans ?? 'no'} spans ended`);
  }
  await stopChild(upstream);

  const file = path.join(resultsDir, `observability-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify({ meta: { startedAt: stamp, node: process.version, wrk: wrkVersion, settings, variants }, summary, runs }, null, 2)}\n`);
  console.log(`\nfull results: ${path.relative(process.cwd(), file)}`);
  return 0;
}

/** Each gateway really runs as its variant says: `/metrics` answers 404 with metrics off, 200 with them on. */
async function checkVariants(targets) {
  for (const target of targets.filter((t) => t.kind === 'gateway')) {
    const response = await fetch(`http://127.0.0.1:${target.child.port}/metrics`, { signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    const expected = target.variant.metrics === 'on' ? 200 : 404;
    if (response.status !== expected) throw new Error(`${target.label}: GET /metrics answered ${response.status}, expected ${expected}`);
  }
}

const f1 = (value) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');
const f3 = (value) => (Number.isFinite(value) ? value.toFixed(3) : 'n/a');
const times = (value) => (Number.isFinite(value) ? `${value.toFixed(3)}×` : 'n/a');
const signed = (value) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(3)}` : 'n/a');

/** One table: a row per mode, concurrency and target; ratios against the baseline variant and the bare proxy. */
export function sideBySide(summary, settings, targets, baseline) {
  const header = ['mode', 'c', 'target', 'req/s', '±rounds', '× base', '% proxy', 'p50 ms', 'p99 ms', 'Δp99 ms vs base', 'CPU µs/req', 'CPU × base'];
  const rows = [];
  const noisy = [];
  for (const mode of settings.modes) {
    for (const concurrency of settings.concurrency) {
      const cell = summary[mode][concurrency];
      const base = cell[baseline];
      for (const target of targets) {
        const s = cell[target.name];
        rows.push([
          mode,
          concurrency,
          target.label,
          f1(s.rps),
          `${f1(s.rpsSpreadPct)}%`,
          target.kind === 'gateway' ? times(s.rps / base.rps) : '',
          f1((s.rps / cell.proxy.rps) * 100),
          f3(s.p50Us / 1000),
          f3(s.p99Us / 1000),
          target.kind === 'gateway' ? signed((s.p99Us - base.p99Us) / 1000) : '',
          f1(s.cpuUsPerRequest),
          target.kind === 'gateway' ? times(s.cpuUsPerRequest / base.cpuUsPerRequest) : '',
        ]);
        if (s.otherLoadPct > settings.maxOtherLoadPct) noisy.push(`${mode} c${concurrency} ${target.label} (${s.otherLoadPct.toFixed(0)}% of a core)`);
      }
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((cell, i) => (i < 3 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  ');
  return [
    `observability cost · chain ${settings.chain} · mean of ${settings.rounds} interleaved round${settings.rounds === 1 ? '' : 's'} · baseline: ${targets.find((t) => t.name === baseline).label}`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    noisy.length > 0 ? `noisy (other processes busy): ${noisy.join('; ')} — rerun on a quiet machine` : 'no cell was disturbed by other processes',
  ].join('\n');
}
