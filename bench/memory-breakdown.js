// Where a target's resident memory sits at its peak under load: the main V8 heap space
// by space, the worker threads' heaps (the SQLite worker), Buffer memory, V8's malloc,
// the node binary and addons, and the native rest (malloc arenas, SQLite, TLS …).
//   npm run build --silent && node bench/memory-breakdown.js
// BENCH_MEMORY_TARGETS (default `full,proxy`: the full-chain gateway, then the bare proxy,
// one after the other), BENCH_CONCURRENCY (default 64), BENCH_MODES (both), BENCH_REQUESTS
// (per mode, concurrency and round, default 6000: a fixed amount of work rather than wrk's
// fixed duration, so runs compare even when a busy machine serves them slowly),
// BENCH_ROUNDS (default 2) and BENCH_GATEWAY_NODE_FLAGS apply; the environment reaches every
// child (NODE_OPTIONS=--max-semi-space-size=4, MALLOC_ARENA_MAX=2 …).
import http from 'node:http';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allocatedBytes } from './lib/alloc.js';
import { runBenchMain, sleep, stopChild } from './lib/children.js';
import { drive } from './lib/drive.js';
import { chatBody } from './lib/fixtures.js';
import { benchApiKey } from './lib/gateway-config.js';
import { preflight } from './lib/preflight.js';
import { processTree, resetPeakRss, treeCpuMicros } from './lib/proc-stats.js';
import { envNumber, readSettings } from './lib/settings.js';
import { residentByKind } from './lib/smaps.js';
import { gatewayVariants, startGateway, startUpstreamAndProxy } from './lib/targets.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(benchDir, 'results');
const stamp = `memory-${new Date().toISOString().replace(/[:.]/g, '-')}`;
const MB = 1024 * 1024;

const targetNames = (process.env.BENCH_MEMORY_TARGETS ?? 'full,proxy').split(',').map((name) => name.trim()).filter(Boolean);
for (const name of targetNames) {
  if (name !== 'proxy' && !gatewayVariants[name]) throw new Error(`BENCH_MEMORY_TARGETS: unexpected '${name}' (proxy, ${Object.keys(gatewayVariants).join(', ')})`);
}

async function main() {
  const settings = readSettings();
  if (!process.env.BENCH_CONCURRENCY) settings.concurrency = [64];
  if (!process.env.BENCH_ROUNDS) settings.rounds = 2;
  settings.requests = envNumber('BENCH_REQUESTS', 6000, { min: 1, integer: true });
  mkdirSync(resultsDir, { recursive: true });
  const bodies = Object.fromEntries(settings.modes.map((mode) => [mode, chatBody(mode === 'streaming')]));
  const flags = settings.gatewayNodeFlags.join(' ');
  const options = process.env.NODE_OPTIONS ? `; NODE_OPTIONS ${process.env.NODE_OPTIONS}` : '';
  console.log(`memory breakdown: ${targetNames.join(', ')}; c${settings.concurrency.join(',')}; ${settings.modes.join(', ')}; ${settings.requests} requests each, ${settings.rounds} round(s)${flags ? `; gateway flags ${flags}` : ''}${options}`);

  const reports = [];
  for (const name of targetNames) {
    const probeDir = path.join(resultsDir, `${stamp}-${name}`);
    mkdirSync(probeDir, { recursive: true });
    // NODE_OPTIONS, not a flag: it reaches the proxy, the gateway and its cluster workers alike.
    // BENCH_ALLOC_DIR turns on the allocation probe: at the end it runs a full GC and reports the live heap.
    const env = { BENCH_MEMORY_DIR: probeDir, BENCH_ALLOC_DIR: probeDir, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${path.join(benchDir, 'memory-probe.js')}`.trim() };
    const { upstream, proxy } = await startUpstreamAndProxy(env);
    let target = proxy;
    if (name !== 'proxy') {
      await stopChild(proxy);
      const variant = gatewayVariants[name];
      target = await startGateway(name, variant, settings, { resultsDir, stamp, env, upstreamPort: upstream.port });
    }
    target.url = `http://127.0.0.1:${target.port}/v1/chat/completions`;
    target.unique = name === 'proxy' || gatewayVariants[name].unique;
    await preflight([target], { bodies, apiKey: benchApiKey });
    await sleep(300);
    const idle = snapshot(target.pid, probeDir);
    const gcBefore = await allocatedBytes([target.pid], probeDir);
    resetPeakRss(target.pid);
    const peak = await underLoad(target, settings, bodies, probeDir);
    // After the load: what of the main heap is still alive (the response cache, compiled code …),
    // and how much GC the load cost the main thread (what a heap flag trades memory for).
    const gcAfter = await allocatedBytes([target.pid], probeDir);
    peak.liveAfterGcBytes = gcAfter?.usedHeapBytes;
    const served = settings.requests * settings.modes.length * settings.concurrency.length * settings.rounds;
    peak.gcPauseUsPerRequest = gcBefore && gcAfter ? (gcAfter.gcPauseUs - gcBefore.gcPauseUs) / served : NaN;
    peak.gcsPerThousand = gcBefore && gcAfter ? ((gcAfter.gcs - gcBefore.gcs) / served) * 1000 : NaN;
    reports.push({ name, label: name === 'proxy' ? 'bare proxy' : gatewayVariants[name].label, idle, peak });
    await stopChild(target);
    await stopChild(upstream);
    rmSync(probeDir, { recursive: true, force: true });
  }
  printBreakdown(reports);
  const file = path.join(resultsDir, `${stamp}.json`);
  writeFileSync(file, JSON.stringify({ settings, reports }, null, 2));
  console.log(`\nsaved ${path.relative(process.cwd(), file)}`);
  return 0;
}

/** Runs every mode × concurrency × round while watching RSS; returns the snapshot at the highest RSS. */
async function underLoad(target, settings, bodies, probeDir) {
  let peak = snapshot(target.pid, probeDir);
  let loading = true;
  const watch = (async () => {
    while (loading) {
      const rssKb = statusKb(target.pid, 'VmRSS');
      if (rssKb > peak.rssKb) peak = snapshot(target.pid, probeDir);
      await sleep(100);
    }
  })();
  // CPU per request over the whole load: what a memory setting costs (more GC work) is paid here.
  const pids = processTree(target.pid);
  const cpuBefore = treeCpuMicros(pids);
  let served = 0;
  for (let round = 0; round < settings.rounds; round++) {
    for (const mode of settings.modes) {
      for (const connections of settings.concurrency) {
        const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
        const started = Date.now();
        await drive(agent, target, bodies[mode], settings.requests, connections, `${stamp}-${round}`);
        agent.destroy();
        served += settings.requests;
        const rps = settings.requests / ((Date.now() - started) / 1000);
        console.log(`  ${target.name}: ${mode} c${connections}: ${Math.round(rps)} req/s, RSS ${(statusKb(target.pid, 'VmRSS') / 1024).toFixed(0)} MB`);
      }
    }
  }
  const cpuUsPerRequest = (treeCpuMicros(pids) - cpuBefore) / served;
  loading = false;
  await watch;
  peak.hwmKb = statusKb(target.pid, 'VmHWM');
  peak.cpuUsPerRequest = cpuUsPerRequest;
  return peak;
}

/** /proc figures of the process and the memory probe's latest sample of each of its threads. */
function snapshot(pid, probeDir) {
  const threads = [];
  for (const file of readdirSync(probeDir)) {
    if (!file.startsWith(`${pid}-`) || !file.endsWith('.json')) continue;
    try {
      threads.push(JSON.parse(readFileSync(path.join(probeDir, file), 'utf8')));
    } catch {
      // being renamed into place
    }
  }
  return { rssKb: statusKb(pid, 'VmRSS'), kinds: residentByKind(pid), threads };
}

function statusKb(pid, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}

/** The snapshot as rows of [what, MB]: V8 spaces of the main thread, workers, then native memory. */
function breakdown(shot) {
  const main = shot.threads.find((thread) => thread.main);
  const workers = shot.threads.filter((thread) => !thread.main);
  const rows = [];
  const space = (names) => names.reduce((sum, n) => sum + (main?.spaces[n]?.physical ?? 0), 0);
  const used = (names) => names.reduce((sum, n) => sum + (main?.spaces[n]?.used ?? 0), 0);
  const groups = [
    ['main heap: new space', ['new_space', 'new_large_object_space']],
    ['main heap: old space', ['old_space']],
    ['main heap: code', ['code_space', 'code_large_object_space']],
    ['main heap: large objects', ['large_object_space']],
    ['main heap: map + read-only', ['map_space', 'read_only_space', 'shared_space', 'trusted_space']],
  ];
  for (const [label, names] of groups) rows.push([label, space(names) / MB, used(names) / MB]);
  const workerPhysical = workers.reduce((sum, w) => sum + w.heap.physical, 0);
  rows.push([`worker heaps (${workers.length})`, workerPhysical / MB, workers.reduce((sum, w) => sum + w.heap.used, 0) / MB]);
  const v8Physical = (main?.heap.physical ?? 0) + workerPhysical;
  const arrayBuffers = main?.process.arrayBuffers ?? 0;
  // Every isolate reports the same figure at the same moment: V8's malloc is counted process-wide.
  const malloced = Math.max(0, ...shot.threads.map((t) => t.heap.malloced));
  rows.push(['ArrayBuffers/Buffers (malloc)', arrayBuffers / MB, undefined]);
  rows.push(["V8's own malloc (compiler zones …)", malloced / MB, undefined]);
  const { kinds } = shot;
  const anonymousMb = (kinds.anon + kinds.brk + kinds.stacks + kinds.other) / 1024;
  rows.push(['native rest (arenas, SQLite, TLS, stacks)', anonymousMb - (v8Physical + arrayBuffers + malloced) / MB, undefined]);
  rows.push(['node binary (code, data)', kinds.node / 1024, undefined]);
  rows.push(['addons (*.node)', kinds.addons / 1024, undefined]);
  rows.push(['shared libraries', kinds.libs / 1024, undefined]);
  return rows;
}

function printBreakdown(reports) {
  const columns = reports.flatMap((report) => [`${report.label} idle`, `${report.label} peak`]);
  const tables = reports.flatMap((report) => [breakdown(report.idle), breakdown(report.peak)]);
  const fmt = (mb) => (mb === undefined ? '' : mb.toFixed(1));
  console.log(`\n| MB resident (live) | ${columns.join(' | ')} |`);
  console.log(`|---|${columns.map(() => '---:').join('|')}|`);
  for (let row = 0; row < tables[0].length; row++) {
    const cells = tables.map((table) => {
      const [, resident, live] = table[row];
      return live === undefined ? fmt(resident) : `${fmt(resident)} (${fmt(live)})`;
    });
    console.log(`| ${tables[0][row][0]} | ${cells.join(' | ')} |`);
  }
  const live = reports.flatMap((report) => ['', report.peak.liveAfterGcBytes === undefined ? '?' : (report.peak.liveAfterGcBytes / MB).toFixed(1)]);
  console.log(`| main heap live after the load and a full GC | ${live.join(' | ')} |`);
  const totals = reports.flatMap((report) => [report.idle.rssKb / 1024, report.peak.rssKb / 1024]);
  console.log(`| **RSS** | ${totals.map((mb) => `**${mb.toFixed(1)}**`).join(' | ')} |`);
  console.log(`\npeak RSS (VmHWM during the load): ${reports.map((report) => `${report.label} ${(report.peak.hwmKb / 1024).toFixed(1)} MB`).join(', ')}`);
  console.log(`CPU per request over the load (noisy on a busy machine): ${reports.map((report) => `${report.label} ${report.peak.cpuUsPerRequest.toFixed(0)} µs`).join(', ')}`);
  console.log(
    `main-thread GC pauses per request: ${reports.map((report) => `${report.label} ${report.peak.gcPauseUsPerRequest.toFixed(1)} µs (${report.peak.gcsPerThousand.toFixed(1)} GCs per 1,000 requests)`).join(', ')}`,
  );
}

runBenchMain(main);
