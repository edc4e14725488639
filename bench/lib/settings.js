import { existsSync } from 'node:fs';
import path from 'node:path';
// The benchmark's knobs, read once from the environment and checked, so a typo fails
// up front instead of after minutes of measuring.

/** A numeric knob from the environment, finite and at least `min`; `fallback` when unset. */
export function envNumber(name, fallback, { min = 0, integer = false } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got '${raw}'`);
  }
  return value;
}

function list(name, fallback, allowed) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const values = raw.split(',').map((v) => v.trim()).filter(Boolean);
  for (const value of values) {
    if (!allowed(value)) throw new Error(`${name}: unexpected value '${value}'`);
  }
  return values;
}

export const modes = ['non-streaming', 'streaming'];
const gatewayNames = ['default', 'full', 'cache-hit', 'workers'];
const isGateway = (v) => gatewayNames.includes(v);

/**
 * The knobs, checked. `defaultGateways`: the gateways a script measures when neither
 * BENCH_GATEWAYS nor BENCH_CHAIN names them (run.js's are `full,cache-hit,workers`).
 */
export function readSettings({ defaultGateways = ['full', 'cache-hit', 'workers'] } = {}) {
  return {
    durationSec: envNumber('BENCH_DURATION', 5, { min: 1, integer: true }),
    warmupSec: envNumber('BENCH_WARMUP', 1, { min: 0, integer: true }),
    rounds: envNumber('BENCH_ROUNDS', 2, { min: 1, integer: true }),
    ttfbRequests: envNumber('BENCH_TTFB_REQUESTS', 300, { min: 0, integer: true }),
    // One wrk thread by default: on 2 cores a second one mostly steals CPU from the targets.
    wrkThreads: envNumber('BENCH_WRK_THREADS', 1, { min: 1, integer: true }),
    // A run during which other processes (or the hypervisor's steal) used more than this share of one core is redone.
    maxOtherLoadPct: envNumber('BENCH_MAX_OTHER_LOAD', 15, { min: 0 }),
    retries: envNumber('BENCH_RETRIES', 2, { min: 0, integer: true }),
    retryBudgetSec: envNumber('BENCH_RETRY_BUDGET', 60, { min: 0 }),
    concurrency: list('BENCH_CONCURRENCY', ['1', '16', '64'], (v) => /^[1-9]\d*$/.test(v)).map(Number),
    modes: list('BENCH_MODES', modes, (v) => modes.includes(v)),
    profile: process.env.BENCH_PROFILE === '1',
    heapProfile: process.env.BENCH_HEAP_PROFILE === '1',
    // Which gateways to measure next to the proxy (bench/lib/targets.js); BENCH_CHAIN, the
    // older knob, names a single one. 'workers' is skipped when the build has no --workers.
    gateways: list('BENCH_GATEWAYS', list('BENCH_CHAIN', defaultGateways, isGateway), isGateway),
    // Whether the gateway records metrics: on (the default, as shipped) or off, to compare.
    metrics: list('BENCH_METRICS', ['on'], (v) => ['on', 'off'].includes(v))[0],
    // Whether the same-dialect fast path is on (as shipped) or off, to compare (docs/fast-path.md).
    fastPath: list('BENCH_FAST_PATH', ['on'], (v) => ['on', 'off'].includes(v))[0],
    gatewayLog: process.env.BENCH_GATEWAY_LOG === '1',
    // Where the gateway's SQLite connection runs: its worker thread (default) or the event loop.
    sqliteThread: list('BENCH_SQLITE_THREAD', ['worker'], (v) => ['worker', 'main'].includes(v))[0],
    // server.heap_growing_percent for this build's gateways (unset: the build's default; 0 = V8's own factor).
    heapGrowingPercent: process.env.BENCH_HEAP_GROWING_PERCENT === undefined ? undefined : envNumber('BENCH_HEAP_GROWING_PERCENT', 0, { min: 0, integer: true }),
    // Extra node flags for the gateway process, to compare runtime settings (e.g. V8 heap sizes).
    gatewayNodeFlags: (process.env.BENCH_GATEWAY_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
    // The baseline's node flags (unset: BENCH_GATEWAY_NODE_FLAGS): with BENCH_BASELINE at this same
    // checkout, one interleaved run compares two flag sets of one build.
    baselineNodeFlags: (process.env.BENCH_BASELINE_NODE_FLAGS ?? process.env.BENCH_GATEWAY_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
    // Another built checkout of Switchyard (e.g. a git worktree at the commit before a change):
    // its gateways run next to this build's in the same interleaved run, for a before/after.
    baseline: baselineDir(),
    baselineGateways: list('BENCH_BASELINE_GATEWAYS', ['full'], isGateway),
  };
}

function baselineDir() {
  const raw = process.env.BENCH_BASELINE;
  if (raw === undefined || raw === '') return undefined;
  const bin = path.resolve(raw, 'packages', 'cli', 'dist', 'bin.js');
  if (!existsSync(bin)) throw new Error(`BENCH_BASELINE: no built gateway at ${bin} (run npm ci && npm run build there)`);
  return path.resolve(raw);
}

/** Rough wall-clock estimate, printed so nobody wonders whether it hung. */
export function estimateSeconds(settings, targetCount = 2 + settings.gateways.length + (settings.baseline ? settings.baselineGateways.length : 0)) {
  const slots = settings.modes.length * settings.concurrency.length * settings.rounds * targetCount;
  const initialWarmup = settings.modes.length * targetCount * 2 * settings.warmupSec;
  return Math.round(slots * (settings.durationSec + settings.warmupSec + 0.4) + initialWarmup + settings.ttfbRequests * 0.004 * targetCount + 5);
}
