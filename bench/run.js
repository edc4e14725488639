// Gateway overhead benchmark: the mock upstream direct (A), behind a bare Express
// proxy (B) and behind the gateway (C), each in its own process, measured with wrk
// in interleaved rounds (A B C A B C) so drift and noise hit all three alike.
// See bench/README.md. Exits 0 even when a target is missed; non-zero only if
// something broke (a child crashed, wrk failed, or a target answered errors).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertRunning, stopAll, stopChild } from './lib/children.js';
import { formatProfile, summarizeProfile } from './lib/cpu-profile.js';
import { chatBody, fixturesDir, repoRoot } from './lib/fixtures.js';
import { benchApiKey } from './lib/gateway-config.js';
import { measureUndisturbed } from './lib/measure.js';
import { preflight } from './lib/preflight.js';
import { clockTicks, otherProcessesSnapshot, otherProcessesUsage, peakRssMb } from './lib/proc-stats.js';
import { formatCell, formatTtfb, formatVerdict, verdict } from './lib/report.js';
import { estimateSeconds, readSettings } from './lib/settings.js';
import { comparisons, summarise } from './lib/summary.js';
import { gatewayBin, startTargets } from './lib/targets.js';
import { measureTtfb } from './lib/ttfb.js';
import { assertWrkInstalled, runWrk } from './lib/wrk.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(benchDir, 'results');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');

// Ctrl-C or a kill: stop the children (wrk included) before going.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping child processes`);
    stopAll(2000).finally(() => process.exit(130));
  });
}

main().then(
  (code) => stopAll().then(() => process.exit(code)),
  (error) => {
    // After Ctrl-C the children die under us; that is not worth a stack trace.
    if (interrupted) return;
    console.error(error.hint ? error.message : `bench failed: ${error.stack ?? error}`);
    stopAll(2000).finally(() => process.exit(1));
  },
);

async function main() {
  const wrkVersion = assertWrkInstalled();
  const settings = readSettings();
  if (!existsSync(gatewayBin)) throw new Error(`${gatewayBin} is missing; build first (npx tsc -b)`);
  mkdirSync(resultsDir, { recursive: true });
  console.log(`fixtures: ${fixturesDir()}`);
  console.log(
    `${settings.durationSec}s runs after ${settings.warmupSec}s warm-up, ${settings.rounds} rounds, concurrency ${settings.concurrency.join('/')}, ` +
      `wrk threads ${settings.wrkThreads}; about ${estimateSeconds(settings)}s in total`,
  );

  const bodies = {};
  const bodyFiles = {};
  for (const mode of settings.modes) {
    bodies[mode] = chatBody(mode === 'streaming');
    bodyFiles[mode] = path.join(resultsDir, `body-${mode}.json`);
    writeFileSync(bodyFiles[mode], bodies[mode]);
  }

  const { upstream, proxy, gateway, clusters, profileDir } = await startTargets(settings, { resultsDir, stamp });
  const children = [upstream, proxy, gateway, ...clusters.map((c) => c.child)];
  // Every target is one process; CPU and memory are read for that process only.
  const targets = [
    { name: 'direct', label: 'direct upstream', child: upstream },
    { name: 'proxy', label: 'bare proxy', child: proxy },
    { name: 'gateway', label: 'gateway', child: gateway },
    // BENCH_WORKERS=1,2: the same gateway with --workers 2 (CPU: primary and workers together).
    ...clusters.map((c) => ({ name: c.name, label: c.label, child: c.child })),
  ];
  for (const target of targets) target.url = `http://127.0.0.1:${target.child.port}/v1/chat/completions`;
  await preflight(targets, { bodies, apiKey: benchApiKey });

  // One longer warm-up at the highest concurrency first: JIT, heaps and connection pools
  // then start every measured cell grown, so round 1 is comparable with round 2.
  if (settings.warmupSec > 0) {
    const connections = Math.max(...settings.concurrency);
    console.log(`warming up every target (${2 * settings.warmupSec}s per mode at c${connections})…`);
    for (const mode of settings.modes) {
      for (const target of targets) {
        const wrk = { url: target.url, bodyFile: bodyFiles[mode], apiKey: benchApiKey, connections, threads: settings.wrkThreads };
        await runWrk({ ...wrk, seconds: 2 * settings.warmupSec });
        assertRunning(children);
      }
    }
  }

  const gatewayPeak = { mb: peakRssMb(gateway.pid) };
  const retryBudget = { seconds: settings.retryBudgetSec };
  const runs = [];
  for (const mode of settings.modes) {
    for (const concurrency of settings.concurrency) {
      for (let round = 1; round <= settings.rounds; round++) {
        for (const target of targets) {
          const run = await measureUndisturbed({ target, upstream, children, mode, concurrency, round, settings, bodyFile: bodyFiles[mode], gatewayPeak, retryBudget });
          runs.push(run);
          console.log(
            `  ${mode} c${concurrency} round ${round} ${target.label.padEnd(15)} ${run.rps.toFixed(0).padStart(6)} req/s  ` +
              `p50 ${(run.latencyUs.p50 / 1000).toFixed(3)} ms  p99 ${(run.latencyUs.p99 / 1000).toFixed(3)} ms`,
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
  gatewayPeak.mb = Math.max(gatewayPeak.mb, peakRssMb(gateway.pid));

  const summary = summarise(runs, settings, targets);
  const checks = verdict(summary, ttfb, gatewayPeak.mb);
  printReport({ summary, ttfb, checks, settings, targets, runs });

  await Promise.all(children.map((child) => stopChild(child)));
  let profile;
  if (profileDir) profile = reportProfile(profileDir);

  const file = path.join(resultsDir, `${stamp}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ meta: meta(settings, wrkVersion), summary, comparisons: comparisons(summary), ttfb, gatewayPeakRssMb: gatewayPeak.mb, checks, runs, profile }, null, 2)}\n`,
  );
  console.log(`\nfull results: ${path.relative(process.cwd(), file)}`);
  return 0;
}

function printReport({ summary, ttfb, checks, settings, targets, runs }) {
  console.log('');
  for (const mode of settings.modes) {
    for (const concurrency of settings.concurrency) {
      console.log(
        formatCell({ mode, concurrency, rounds: settings.rounds, cell: summary[mode][concurrency], targets, maxOtherLoadPct: settings.maxOtherLoadPct }),
      );
      console.log('');
    }
  }
  if (ttfb) {
    console.log(formatTtfb(ttfb, targets, settings.ttfbRequests));
    console.log('');
  }
  const scope = runs.every((r) => r.peakRssScope === 'run') ? 'per run' : 'since process start';
  console.log(
    `notes: latencies are wrk's exact µs histogram; CPU is utime+stime of that one process from /proc ` +
      `(${1000 / clockTicks} ms ticks) over requests completed; "direct" shows the upstream's own CPU and memory; ` +
      `peak RSS is VmHWM ${scope}; ±rounds is half the req/s range between rounds.`,
  );
  console.log('');
  console.log(formatVerdict(checks));
}

function reportProfile(profileDir) {
  const files = existsSync(profileDir) ? readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile')) : [];
  if (files.length === 0) {
    console.warn(`\nno .cpuprofile found in ${profileDir}; did the gateway exit cleanly?`);
    return undefined;
  }
  const file = path.join(profileDir, files[0]);
  const summary = summarizeProfile(file, { top: 25, repoRoot });
  console.log(`\n${formatProfile(summary, path.relative(process.cwd(), file))}`);
  return { file, ...summary };
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
