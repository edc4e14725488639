// Gateway overhead benchmark: the mock upstream direct, behind a bare Express proxy and
// behind each gateway variant (full chain, cache hits, --workers 2 where the build has
// it), each in its own process, measured with wrk in interleaved rounds (A B C D A B C D)
// so drift and noise hit every target alike.
// See bench/README.md. Exits 0 even when a target is missed; non-zero only if
// something broke (a child crashed, wrk failed, or a target answered errors).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertRunning, runBenchMain, stopChild } from './lib/children.js';
import { formatProfile, summarizeProfile } from './lib/cpu-profile.js';
import { chatBody, fixturesDir, repoRoot } from './lib/fixtures.js';
import { benchApiKey } from './lib/gateway-config.js';
import { measureUndisturbed } from './lib/measure.js';
import { preflight } from './lib/preflight.js';
import { formatHeapProfile, summarizeHeapProfile } from './lib/heap-profile.js';
import { clockTicks, otherProcessesSnapshot, otherProcessesUsage } from './lib/proc-stats.js';
import { formatCell, formatComparisons, formatTtfb, formatVerdict, formatWorkersScaling, verdict } from './lib/report.js';
import { estimateSeconds, readSettings } from './lib/settings.js';
import { comparisons, summarise } from './lib/summary.js';
import { gatewayBin, startTargets } from './lib/targets.js';
import { measureTtfb } from './lib/ttfb.js';
import { assertWrkInstalled, runWrk } from './lib/wrk.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(benchDir, 'results');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');

runBenchMain(main);

async function main() {
  const wrkVersion = assertWrkInstalled();
  const settings = readSettings();
  if (!existsSync(gatewayBin)) throw new Error(`${gatewayBin} is missing; build first (npx tsc -b)`);
  mkdirSync(resultsDir, { recursive: true });
  console.log(`fixtures: ${fixturesDir()}`);

  const bodies = {};
  const bodyFiles = {};
  for (const mode of settings.modes) {
    bodies[mode] = chatBody(mode === 'streaming');
    bodyFiles[mode] = path.join(resultsDir, `body-${mode}.json`);
    writeFileSync(bodyFiles[mode], bodies[mode]);
  }

  // Where the allocation probe in each target answers (bench/alloc-probe.js).
  const allocDir = path.join(resultsDir, `alloc-${stamp}`);
  mkdirSync(allocDir, { recursive: true });
  const { upstream, targets, profileDirs } = await startTargets(settings, { resultsDir, stamp, allocDir });
  const children = targets.map((t) => t.child);
  console.log(
    `targets: ${targets.map((t) => t.label).join(', ')}\n` +
      `${settings.durationSec}s runs after ${settings.warmupSec}s warm-up, ${settings.rounds} rounds, concurrency ${settings.concurrency.join('/')}, ` +
      `wrk threads ${settings.wrkThreads}; about ${estimateSeconds(settings, targets.length)}s in total`,
  );
  for (const target of targets) target.url = `http://127.0.0.1:${target.child.port}/v1/chat/completions`;
  await preflight(targets, { bodies, apiKey: benchApiKey });

  // One longer warm-up at the highest concurrency first: JIT, heaps and connection pools
  // then start every measured cell grown, so round 1 is comparable with round 2.
  if (settings.warmupSec > 0) {
    const connections = Math.max(...settings.concurrency);
    console.log(`warming up every target (${2 * settings.warmupSec}s per mode at c${connections})…`);
    for (const mode of settings.modes) {
      for (const target of targets) {
        const wrk = { url: target.url, bodyFile: bodyFiles[mode], apiKey: benchApiKey, connections, threads: settings.wrkThreads, unique: target.unique };
        await runWrk({ ...wrk, seconds: 2 * settings.warmupSec });
        assertRunning(children);
      }
    }
  }

  // Each target's peak RSS over the whole run, warm-up included (per-run peaks are in the cells).
  const peaks = {};
  const retryBudget = { seconds: settings.retryBudgetSec };
  const runs = [];
  for (const mode of settings.modes) {
    for (const concurrency of settings.concurrency) {
      for (let round = 1; round <= settings.rounds; round++) {
        for (const target of targets) {
          const run = await measureUndisturbed({ target, upstream, children, mode, concurrency, round, settings, bodyFile: bodyFiles[mode], peaks, retryBudget, allocDir });
          runs.push(run);
          console.log(
            `  ${mode} c${concurrency} round ${round} ${target.label.padEnd(15)} ${run.rps.toFixed(0).padStart(6)} req/s  ` +
              `p50 ${(run.latencyUs.p50 / 1000).toFixed(3)} ms  p99 ${(run.latencyUs.p99 / 1000).toFixed(3)} ms  ` +
              `${run.cpuUsPerRequest.toFixed(0)} µs CPU  ${(run.allocBytesPerRequest / 1024).toFixed(1)} KB alloc per request`,
          );
        }
      }
    }
  }

  let ttfb;
  if (settings.ttfbRequests > 0 && settings.modes.includes('streaming')) {
    console.log(`  streaming TTFB: ${settings.ttfbRequests} requests per target…`);
    const ours = new Set([process.pid, ...children.map((c) => c.pid)]);
    const otherBefore = otherProcessesSnapshot(ours);
    const started = process.hrtime.bigint();
    ttfb = await measureTtfb(targets, { body: bodies.streaming, apiKey: benchApiKey, requests: settings.ttfbRequests });
    assertRunning(children);
    const other = otherProcessesUsage(otherBefore, otherProcessesSnapshot(ours));
    ttfb.otherLoadPct = (other.micros / (Number(process.hrtime.bigint() - started) / 1000)) * 100;
    if (ttfb.otherLoadPct > settings.maxOtherLoadPct) {
      console.warn(`  TTFB: other processes (${other.top.join(', ')}) used ${ttfb.otherLoadPct.toFixed(0)}% of a core; numbers are noisy`);
    }
  }

  const summary = summarise(runs, settings, targets);
  const checks = verdict(summary, ttfb, targets);
  printReport({ summary, ttfb, checks, settings, targets, runs, peaks });

  await Promise.all(children.map((child) => stopChild(child)));
  rmSync(allocDir, { recursive: true, force: true });
  const profile = profileDirs.length > 0 ? reportProfiles(profileDirs[0]) : undefined;

  const file = path.join(resultsDir, `${stamp}.json`);
  const targetList = targets.map(({ name, label, unique }) => ({ name, label, uniqueBodies: unique }));
  writeFileSync(
    file,
    `${JSON.stringify({ meta: meta(settings, wrkVersion), targets: targetList, summary, comparisons: comparisons(summary, targets), ttfb, peakRssMb: peaks, checks, runs, profile }, null, 2)}\n`,
  );
  console.log(`\nfull results: ${path.relative(process.cwd(), file)}`);
  return 0;
}

function printReport({ summary, ttfb, checks, settings, targets, runs, peaks }) {
  console.log('');
  for (const mode of settings.modes) {
    for (const concurrency of settings.concurrency) {
      console.log(
        formatCell({ mode, concurrency, rounds: settings.rounds, cell: summary[mode][concurrency], targets, maxOtherLoadPct: settings.maxOtherLoadPct }),
      );
      console.log('');
    }
  }
  console.log(formatComparisons(summary, targets, settings));
  console.log('');
  const scaling = formatWorkersScaling(summary, settings);
  if (scaling) console.log(`${scaling}\n`);
  if (ttfb) {
    console.log(formatTtfb(ttfb, targets, settings.ttfbRequests));
    console.log('');
  }
  console.log(`peak RSS over the whole run (warm-up included): ${targets.map((t) => `${t.label} ${(peaks[t.name] ?? NaN).toFixed(1)} MB`).join(', ')}`);
  const scope = runs.every((r) => r.peakRssScope === 'run') ? 'per run' : 'since process start';
  console.log(
    `notes: latencies are wrk's exact µs histogram; CPU is utime+stime of that one process from /proc ` +
      `(${1000 / clockTicks} ms ticks) over requests completed, all its threads; "main" is its event-loop thread alone ` +
      `(the rest: V8's GC helpers, and the gateway's SQLite worker thread); alloc is JS-heap bytes allocated in that process ` +
      `(bench/alloc-probe.js) over requests completed; "direct" shows the upstream's own CPU, allocation and memory; ` +
      `peak RSS is VmHWM ${scope}; ±rounds is half the req/s range between rounds; a multi-process target sums its processes.`,
  );
  console.log('');
  console.log(formatVerdict(checks));
}

function reportProfiles(profileDir) {
  const files = existsSync(profileDir) ? readdirSync(profileDir) : [];
  const cpu = files.find((f) => f.endsWith('.cpuprofile'));
  const heap = files.find((f) => f.endsWith('.heapprofile'));
  if (!cpu && !heap) {
    console.warn(`\nno profile found in ${profileDir}; did the gateway exit cleanly?`);
    return undefined;
  }
  const out = {};
  if (cpu) {
    const file = path.join(profileDir, cpu);
    out.cpu = { file, ...summarizeProfile(file, { top: 25, repoRoot }) };
    console.log(`\n${formatProfile(out.cpu, path.relative(process.cwd(), file))}`);
  }
  if (heap) {
    const file = path.join(profileDir, heap);
    out.heap = { file, ...summarizeHeapProfile(file, { top: 30, repoRoot }) };
    console.log(`\n${formatHeapProfile(out.heap, path.relative(process.cwd(), file))}`);
  }
  return out;
}

function meta(settings, wrkVersion) {
  let commit;
  try {
    commit = execFileSync('git', ['-C', repoRoot, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', repoRoot, 'status', '--porcelain'], { encoding: 'utf8' }).trim() !== '';
    if (dirty) commit += ' (uncommitted changes)';
  } catch {
    commit = undefined;
  }
  return {
    startedAt: stamp,
    commit,
    node: process.version,
    wrk: wrkVersion,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    kernel: os.release(),
    clockTicks,
    settings,
  };
}
