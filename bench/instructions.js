// Machine instructions per request, counted by valgrind's callgrind: the before/after
// measure that does not drift. Wall-clock and /proc CPU figures on a shared 2-core machine
// move ±20% between runs; an instruction count of a gateway repeats within ~1%.
//   npm run build --silent && node bench/instructions.js        (~2.5 minutes per target and mode)
// Each target (the bare proxy, then BENCH_GATEWAYS, default `full,cache-hit`, then
// BENCH_WITHOUT's variants of the full chain, then BENCH_BASELINE's gateways) runs under `valgrind --tool=callgrind` with counting off; it
// starts and serves BENCH_INSTR_WARMUP requests (default 8000: fewer, and TurboFan's
// compiles are a large share of the count) uninstrumented, then counting is switched on for
// BENCH_REQUESTS requests (default 2000) at the first BENCH_CONCURRENCY (default 16), and
// off again. The count covers every thread of the process: the event loop, V8's GC helpers,
// the SQLite worker. The mock upstream runs outside valgrind. Needs valgrind (apt-get install valgrind).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireTool, runBenchMain, startChild, stopChild, waitForListening } from './lib/children.js';
import { drive } from './lib/drive.js';
import { chatBody } from './lib/fixtures.js';
import { benchApiKey, optionalFullChainSteps } from './lib/gateway-config.js';
import { preflight } from './lib/preflight.js';
import { envNumber, readSettings } from './lib/settings.js';
import { baselineSettings, baselineVariant, gatewayVariants, startGateway } from './lib/targets.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(benchDir, 'results');
const stamp = `instructions-${new Date().toISOString().replace(/[:.]/g, '-')}`;
const outDir = path.join(resultsDir, stamp);

const requests = envNumber('BENCH_REQUESTS', 2000, { min: 100, integer: true });
const warmupRequests = envNumber('BENCH_INSTR_WARMUP', 8000, { min: 0, integer: true });
/** E.g. `--cache-sim=yes`: callgrind then also counts simulated cache misses (the columns below). */
const valgrindFlags = (process.env.BENCH_VALGRIND_FLAGS ?? '').split(/\s+/).filter(Boolean);

/** valgrind and its flags: counting starts off; the JIT's code is checked for self-modification. */
const launcher = (name) => [
  'valgrind',
  '--tool=callgrind',
  '--instr-atstart=no',
  '--smc-check=all-non-file',
  `--callgrind-out-file=${path.join(outDir, `${name}.%p.callgrind`)}`,
  ...valgrindFlags,
];

function callgrindControl(option, pid) {
  // A dump of a large process takes seconds; one that never answers must not hang the run.
  execFileSync('callgrind_control', [option, String(pid)], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

/** The event counts of the newest dump of `pid` ({ Ir, … } from its `events:` and `totals:` lines), then removes the dump. */
function dumpedCounts(name, pid) {
  callgrindControl('--dump', pid);
  const prefix = `${name}.${pid}.callgrind`;
  const dumps = readdirSync(outDir).filter((file) => file.startsWith(prefix) && file !== prefix);
  if (dumps.length !== 1) throw new Error(`expected one callgrind dump for ${name} (pid ${pid}), found ${dumps.length}`);
  const file = path.join(outDir, dumps[0]);
  const text = readFileSync(file, 'utf8');
  const events = /^events: (.+)$/m.exec(text);
  const totals = /^totals: (.+)$/m.exec(text);
  if (!events || !totals) throw new Error(`no events or totals line in ${file}`);
  rmSync(file);
  const values = totals[1].trim().split(/\s+/).map(Number);
  return Object.fromEntries(events[1].trim().split(/\s+/).map((event, i) => [event, values[i] ?? 0]));
}

async function startProxy(upstreamPort) {
  const [command, ...flags] = launcher('proxy');
  const child = startChild('bare proxy', command, [...flags, process.execPath, path.join(benchDir, 'bare-proxy.js'), `http://127.0.0.1:${upstreamPort}`, '0']);
  child.port = await waitForListening(child, 180_000);
  return { name: 'proxy', label: 'bare proxy', child, unique: true };
}

/** The gateways to measure: BENCH_GATEWAYS, then BENCH_BASELINE's (not `workers`: one process is counted). */
function gatewaysToMeasure(settings) {
  const ours = settings.gateways.map((name) => ({ name, variant: gatewayVariants[name], settings }));
  const baseline = !settings.baseline
    ? []
    : settings.baselineGateways.map((name) => ({ name: `baseline-${name}`, variant: baselineVariant(name, settings.baseline), settings: baselineSettings(settings) }));
  // BENCH_WITHOUT=cache,team-budget: the full chain without each step as well (bench/step-costs.js's variants).
  const without = (process.env.BENCH_WITHOUT ?? '').split(',').map((step) => step.trim()).filter(Boolean);
  for (const step of without) {
    if (!optionalFullChainSteps.includes(step)) throw new Error(`BENCH_WITHOUT: '${step}' is not one of ${optionalFullChainSteps.join(', ')}`);
  }
  const lessSteps = without.map((step) => ({ name: `without-${step}`, variant: { chain: 'full', label: `without ${step}`, unique: true, without: [step] }, settings }));
  return [...ours, ...lessSteps, ...baseline].filter(({ variant }) => !variant.workers);
}

async function startGatewayTarget({ name, variant, settings }, upstreamPort) {
  const child = await startGateway(name, variant, settings, { resultsDir, stamp, upstreamPort, launcher: launcher(name), readyTimeoutMs: 180_000 });
  return { name, label: variant.label, child, unique: variant.unique };
}

async function measure(target, settings, bodies, concurrency) {
  const rows = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  target.url = `http://127.0.0.1:${target.child.port}/v1/chat/completions`;
  await preflight([target], { bodies, apiKey: benchApiKey });
  for (const mode of settings.modes) {
    await drive(agent, target, bodies[mode], warmupRequests, concurrency, `${stamp}-${target.name}-${mode}-warm`);
    callgrindControl('--zero', target.child.pid);
    callgrindControl('--instr=on', target.child.pid);
    await drive(agent, target, bodies[mode], requests, concurrency, `${stamp}-${target.name}-${mode}`);
    callgrindControl('--instr=off', target.child.pid);
    const counts = dumpedCounts(target.name, target.child.pid);
    const perRequest = Object.fromEntries(Object.entries(counts).map(([event, value]) => [event, value / requests]));
    rows.push({ target: target.name, label: target.label, mode, requests, instructionsPerRequest: perRequest.Ir, perRequest });
  }
  agent.destroy();
  return rows;
}

function report(rows) {
  const proxy = Object.fromEntries(rows.filter((row) => row.target === 'proxy').map((row) => [row.mode, row.instructionsPerRequest]));
  console.log(`\ninstructions per request (callgrind, all threads; ${requests} requests after ${warmupRequests} warm-up)`);
  // With --cache-sim=yes: D1mr/D1mw are first-level data misses, DLmr/DLmw last-level ones, per request.
  const extra = Object.keys(rows[0]?.perRequest ?? {}).filter((event) => /^(I1mr|D1mr|D1mw|ILmr|DLmr|DLmw)$/.test(event));
  console.log(`${'target'.padEnd(26)} ${'mode'.padEnd(13)} ${'K instr/req'.padStart(12)} ${'vs proxy'.padStart(9)}${extra.map((event) => event.padStart(8)).join('')}`);
  for (const row of rows) {
    const ratio = proxy[row.mode] ? `${(row.instructionsPerRequest / proxy[row.mode]).toFixed(2)}×` : '';
    const misses = extra.map((event) => row.perRequest[event].toFixed(0).padStart(8)).join('');
    console.log(`${row.label.padEnd(26)} ${row.mode.padEnd(13)} ${(row.instructionsPerRequest / 1000).toFixed(1).padStart(12)} ${ratio.padStart(9)}${misses}`);
  }
}

async function main() {
  requireTool('valgrind', '--version', 'apt-get install valgrind');
  const settings = readSettings({ defaultGateways: ['full', 'cache-hit'] });
  const concurrency = process.env.BENCH_CONCURRENCY ? settings.concurrency[0] : 16;
  mkdirSync(outDir, { recursive: true });
  const upstream = startChild('upstream', process.execPath, [path.join(benchDir, 'upstream.js'), '0']);
  upstream.port = await waitForListening(upstream);
  const bodies = Object.fromEntries(settings.modes.map((mode) => [mode, chatBody(mode === 'streaming')]));
  console.log(`${requests} requests per target and mode at c${concurrency}, after ${warmupRequests} warm-up, under callgrind (slow: ~2.5 minutes each)…`);
  const rows = [];
  // One target under valgrind at a time: each runs alone on the machine's cores.
  const proxy = await startProxy(upstream.port);
  rows.push(...(await measure(proxy, settings, bodies, concurrency)));
  await stopChild(proxy.child);
  for (const gateway of gatewaysToMeasure(settings)) {
    const target = await startGatewayTarget(gateway, upstream.port);
    rows.push(...(await measure(target, settings, bodies, concurrency)));
    await stopChild(target.child);
  }
  report(rows);
  writeFileSync(path.join(resultsDir, `${stamp}.json`), `${JSON.stringify({ requests, warmupRequests, concurrency, rows }, null, 2)}\n`);
  return 0;
}

runBenchMain(main);
