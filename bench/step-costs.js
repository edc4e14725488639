// What each optional step of the full chain costs: the full-chain gateway next to the
// same gateway without one step (the team budget, rate-limit, circuit-breaker, cache),
// each its own process, loaded by wrk with cache-missing requests after a warm-up; CPU
// of all threads and of the main thread from /proc and JS-heap bytes allocated, per
// request; rounds interleaved with the order rotating. A step's cost is the full chain's
// figure minus the figure without it. wrk, not a Node driver: a driver in Node takes as
// much CPU as the targets and makes the rounds ±100 µs apart on 2 cores.
//   npm run build --silent && node bench/step-costs.js
// BENCH_STEPS (default: all of team-budget,rate-limit,circuit-breaker,cache), BENCH_MODES,
// BENCH_DURATION (default 4 s), BENCH_WARMUP (1 s), BENCH_ROUNDS (default 3) and
// BENCH_CONCURRENCY (first value, default 16) apply. See bench/README.md.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allocatedBytes } from './lib/alloc.js';
import { runBenchMain } from './lib/children.js';
import { chatBody } from './lib/fixtures.js';
import { benchApiKey, optionalFullChainSteps } from './lib/gateway-config.js';
import { preflight } from './lib/preflight.js';
import { mainThreadCpuMicros, processTree, treeCpuMicros } from './lib/proc-stats.js';
import { readSettings } from './lib/settings.js';
import { startGateway, startUpstreamAndProxy } from './lib/targets.js';
import { assertWrkInstalled, runWrk } from './lib/wrk.js';

const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
const stamp = `step-costs-${new Date().toISOString().replace(/[:.]/g, '-')}`;

runBenchMain(main);

function readSteps(raw = process.env.BENCH_STEPS) {
  const steps = (raw && raw.trim() !== '' ? raw : optionalFullChainSteps.join(',')).split(',').map((step) => step.trim()).filter(Boolean);
  for (const step of steps) {
    if (!optionalFullChainSteps.includes(step)) throw new Error(`BENCH_STEPS: unknown step '${step}' (known: ${optionalFullChainSteps.join(', ')})`);
  }
  if (new Set(steps).size !== steps.length) throw new Error('BENCH_STEPS: a step is listed twice');
  return steps;
}

async function main() {
  assertWrkInstalled();
  const settings = readSettings();
  const steps = readSteps();
  const seconds = process.env.BENCH_DURATION ? settings.durationSec : 4;
  const rounds = process.env.BENCH_ROUNDS ? settings.rounds : 3;
  const concurrency = process.env.BENCH_CONCURRENCY ? settings.concurrency[0] : 16;
  mkdirSync(resultsDir, { recursive: true });
  const allocDir = path.join(resultsDir, `alloc-${stamp}`);
  mkdirSync(allocDir, { recursive: true });
  const env = { BENCH_ALLOC_DIR: allocDir };

  const { upstream, proxy } = await startUpstreamAndProxy(env);
  const targets = [{ name: 'proxy', label: 'bare proxy', child: proxy, unique: true }];
  const context = { resultsDir, stamp, env, upstreamPort: upstream.port };
  targets.push({ name: 'full', label: 'full chain', child: await startGateway('full', { chain: 'full', label: 'full chain' }, settings, context), unique: true });
  for (const step of steps) {
    const label = `without ${step}`;
    const child = await startGateway(`without-${step}`, { chain: 'full', label, without: [step] }, settings, context);
    targets.push({ name: `without-${step}`, label, step, child, unique: true });
  }
  for (const target of targets) target.url = `http://127.0.0.1:${target.child.port}/v1/chat/completions`;
  const bodies = Object.fromEntries(settings.modes.map((mode) => [mode, chatBody(mode === 'streaming')]));
  await preflight(targets, { bodies, apiKey: benchApiKey });
  const bodyFiles = {};
  for (const mode of settings.modes) writeFileSync((bodyFiles[mode] = path.join(resultsDir, `body-${mode}.json`)), bodies[mode]);
  const run = { connections: concurrency, threads: settings.wrkThreads, warmupSec: settings.warmupSec, seconds, allocDir };
  console.log(`${targets.length} targets, ${settings.modes.join(' and ')}, ${seconds} s each at c${concurrency}, ${rounds} interleaved rounds (~${Math.ceil((targets.length * settings.modes.length * rounds * (seconds + settings.warmupSec + 1)) / 60)} min)…`);

  const samples = [];
  for (let round = 0; round < rounds; round++) {
    for (const mode of settings.modes) {
      // The order rotates each round, so no target always runs first or last.
      const order = targets.map((_, index) => targets[(index + round) % targets.length]);
      for (const target of order) samples.push({ target: target.name, mode, ...(await measure(target, bodyFiles[mode], run)) });
    }
  }
  rmSync(allocDir, { recursive: true, force: true });
  const rows = summarize(targets, settings.modes, samples);
  writeFileSync(path.join(resultsDir, `${stamp}.json`), `${JSON.stringify({ seconds, concurrency, rounds, rows, samples }, null, 2)}\n`);
  print(rows, settings.modes);
}

/** One measured run: a warm-up on fresh connections, then `seconds` of wrk counted. */
async function measure(target, bodyFile, { connections, threads, warmupSec, seconds, allocDir }) {
  const load = { url: target.url, bodyFile, apiKey: benchApiKey, connections, threads, unique: target.unique };
  if (warmupSec > 0) await runWrk({ ...load, seconds: warmupSec });
  const pids = processTree(target.child.pid);
  const before = await allocatedBytes(pids, allocDir);
  const cpuBefore = treeCpuMicros(pids);
  const mainBefore = mainThreadCpuMicros(pids);
  const { requests, errors } = await runWrk({ ...load, seconds });
  const cpuUs = (treeCpuMicros(pids) - cpuBefore) / requests;
  const mainUs = (mainThreadCpuMicros(pids) - mainBefore) / requests;
  const after = await allocatedBytes(pids, allocDir);
  const failed = Object.values(errors ?? {}).reduce((sum, count) => sum + count, 0);
  if (failed > 0) throw new Error(`${target.label}: ${failed} requests failed under load (${JSON.stringify(errors)})`);
  return { cpuUs, mainUs, allocKb: (after.bytes - before.bytes) / requests / 1024 };
}

function mean(values) {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Means over the rounds, and each step's cost: the full chain's mean minus the mean without it. */
function summarize(targets, modes, samples) {
  const rows = [];
  for (const mode of modes) {
    const of = (name) => samples.filter((sample) => sample.target === name && sample.mode === mode);
    const means = (name) => ({ cpuUs: mean(of(name).map((s) => s.cpuUs)), mainUs: mean(of(name).map((s) => s.mainUs)), allocKb: mean(of(name).map((s) => s.allocKb)) });
    const full = means('full');
    for (const target of targets) {
      const own = means(target.name);
      const cost = target.step ? { cpuUs: full.cpuUs - own.cpuUs, mainUs: full.mainUs - own.mainUs, allocKb: full.allocKb - own.allocKb } : undefined;
      // Half the spread of the rounds' CPU: how far apart the rounds were.
      const cpus = of(target.name).map((s) => s.cpuUs);
      rows.push({ mode, target: target.name, label: target.label, ...own, cpuSpreadUs: (Math.max(...cpus) - Math.min(...cpus)) / 2, cost });
    }
  }
  return rows;
}

function print(rows, modes) {
  for (const mode of modes) {
    console.log(`\n${mode}`);
    console.log('target                     CPU µs/req  ±rounds  main µs/req  alloc KB/req   step costs: CPU  main  alloc KB');
    for (const row of rows.filter((r) => r.mode === mode)) {
      const cost = row.cost ? `${fmt(row.cost.cpuUs, 16)}${fmt(row.cost.mainUs, 6)}${fmt(row.cost.allocKb, 10, 1)}` : '';
      console.log(`${row.label.padEnd(25)}${fmt(row.cpuUs, 12)}${fmt(row.cpuSpreadUs, 9)}${fmt(row.mainUs, 13)}${fmt(row.allocKb, 14, 1)}${cost}`);
    }
  }
  console.log('\nA step\'s cost is the full chain\'s figure minus the figure without that step; CPU from /proc (10 ms ticks, all threads: the main thread, V8\'s GC helpers and the SQLite worker), so compare costs larger than the ±rounds column.');
}

function fmt(value, width, digits = 0) {
  return value.toFixed(digits).padStart(width);
}
