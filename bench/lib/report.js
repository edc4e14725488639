// Turns the collected numbers into the printed tables and the met/not-met lines for
// the targets of issue 14.
import { availableParallelism } from 'node:os';

export const targetsBudget = {
  minFullRpsShare: 0.9, // full chain req/s vs bare proxy at concurrency 16, whole and streamed
  minCacheHitRpsShare: 1.5, // cache hits vs bare proxy at concurrency 16
  maxAddedP99OverProxyMs: 2, // full chain p99 at concurrency 16: ≤ the proxy's + 2 ms
  maxPeakRssMb: 150, // full chain, concurrency 64
  maxAllocShare: 1, // full chain allocated bytes per request ≤ the proxy's
  minWorkersScaling: 1.7, // `--workers 2` req/s vs one process, full chain, concurrency 16
};

const ms = (us) => us / 1000;
const f3 = (value) => (Number.isFinite(value) ? value.toFixed(3) : 'n/a');
const f2 = (value) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
const f1 = (value) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');
const signed = (value) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(3)}` : 'n/a');
const kb = (bytes) => (Number.isFinite(bytes) ? (bytes / 1024).toFixed(1) : 'n/a');

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) =>
    cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** One block per mode and concurrency; `cell` maps target name to its aggregated numbers. */
export function formatCell({ mode, concurrency, rounds, cell, targets, maxOtherLoadPct }) {
  const proxy = cell.proxy;
  const rows = targets.map((t) => {
    const s = cell[t.name];
    return [
      t.label,
      f1(s.rps),
      `${f1(s.rpsSpreadPct)}%`,
      `${f2(s.rpsVsProxy)}×`,
      f3(ms(s.p50Us)),
      f3(ms(s.p99Us)),
      f1(s.cpuUsPerRequest),
      f1(s.mainThreadCpuUsPerRequest),
      kb(s.allocBytesPerRequest),
      `${f2(s.allocBytesPerRequest / proxy.allocBytesPerRequest)}×`,
      f1(s.peakRssMb),
    ];
  });
  // CPU is the whole process's; `main` is its event-loop thread alone. The rest is V8's GC
  // helper threads and, in the gateway, the SQLite worker thread: on a shared box it competes too.
  const header = ['target', 'req/s', '±rounds', 'vs proxy', 'p50 ms', 'p99 ms', 'CPU µs/req', 'main', 'alloc KB/req', 'vs proxy', 'peak RSS MB'];
  const otherLoad = Math.max(...targets.map((t) => cell[t.name].otherLoadPct));
  const noisy = otherLoad > maxOtherLoadPct ? `\n[noisy: other processes or the hypervisor (steal) took up to ${otherLoad.toFixed(0)}% of a core]` : '';
  return [`${mode} · concurrency ${concurrency} · mean of ${rounds} interleaved round${rounds === 1 ? '' : 's'}`, table(header, rows) + noisy].join('\n');
}

/** A gateway target's cell against the bare proxy's. */
export function compareCell(cell, name = 'gateway') {
  const { proxy } = cell;
  const gateway = cell[name];
  if (!proxy || !gateway) return undefined;
  return {
    // Round by round (see summarise): the ratio of means would keep the machine's drift between rounds.
    rpsShare: gateway.rpsVsProxy ?? gateway.rps / proxy.rps,
    addedP50Ms: ms(gateway.p50Us - proxy.p50Us),
    addedP99Ms: ms(gateway.p99Us - proxy.p99Us),
    cpuRatio: gateway.cpuUsPerRequest / proxy.cpuUsPerRequest,
    allocRatio: gateway.allocBytesPerRequest / proxy.allocBytesPerRequest,
  };
}

export function formatTtfb(ttfb, targets, requests) {
  const direct = ttfb.direct;
  const rows = targets.map((t) => {
    const s = ttfb[t.name];
    return [t.label, f3(s.p50), f3(s.p99), signed(s.p50 - direct.p50), signed(s.p99 - direct.p99), f3(s.totalP50), f3(s.totalP99)];
  });
  return [
    `streaming TTFB · concurrency 1 · ${requests} sequential requests per target, interleaved`,
    table(['target', 'TTFB p50 ms', 'TTFB p99 ms', 'added p50', 'added p99', 'full p50 ms', 'full p99 ms'], rows),
  ].join('\n');
}

/**
 * The targets; each { pass, text } (pass undefined: not measured in this run).
 * `peaks` holds each target's peak RSS per concurrency: { [name]: { [c]: MB } }.
 */
export function verdict(summary, ttfb, targets) {
  const b = targetsBudget;
  const has = (name) => targets.some((t) => t.name === name);
  const checks = [];
  const skip = (text) => checks.push({ pass: undefined, text: `${text}: not measured` });
  for (const mode of ['non-streaming', 'streaming']) {
    const c16 = summary[mode]?.[16];
    const full = c16 && has('full') ? compareCell(c16, 'full') : undefined;
    if (full) {
      checks.push({ pass: full.rpsShare >= b.minFullRpsShare, text: `${mode} c16: full chain req/s ${f2(full.rpsShare)}× the proxy's (≥ ${b.minFullRpsShare}×)` });
      checks.push({
        pass: full.addedP99Ms <= b.maxAddedP99OverProxyMs,
        text: `${mode} c16: full chain p99 ${signed(full.addedP99Ms)} ms over the proxy's (≤ +${b.maxAddedP99OverProxyMs} ms)`,
      });
      checks.push({ pass: full.allocRatio <= b.maxAllocShare, text: `${mode} c16: full chain allocates ${f2(full.allocRatio)}× the proxy's bytes per request (≤ ${b.maxAllocShare}×)` });
    } else {
      skip(`${mode} c16 full chain`);
    }
    const hit = c16 && has('cache-hit') ? compareCell(c16, 'cache-hit') : undefined;
    if (hit) checks.push({ pass: hit.rpsShare >= b.minCacheHitRpsShare, text: `${mode} c16: cache hits req/s ${f2(hit.rpsShare)}× the proxy's (≥ ${b.minCacheHitRpsShare}×)` });
    else skip(`${mode} c16 cache hits`);
  }
  if (ttfb?.full) {
    const added = (name, p) => ttfb[name][p] - ttfb.direct[p];
    checks.push({
      pass: added('full', 'p50') <= added('proxy', 'p50'),
      text: `streaming TTFB c1: full chain adds ${signed(added('full', 'p50'))} ms p50 over direct, the proxy ${signed(added('proxy', 'p50'))} ms (≤ the proxy's)`,
    });
    checks.push({
      pass: added('full', 'p99') <= added('proxy', 'p99'),
      text: `streaming TTFB c1: full chain adds ${signed(added('full', 'p99'))} ms p99 over direct, the proxy ${signed(added('proxy', 'p99'))} ms (≤ the proxy's; p99 of a few hundred samples is noisy)`,
    });
  } else {
    skip('streaming TTFB c1');
  }
  for (const mode of ['non-streaming', 'streaming']) {
    const scaling = summary[mode]?.[16] && has('full') && has('workers') ? workersScaling(summary[mode][16]) : undefined;
    if (scaling) {
      checks.push({
        pass: scaling.ratio >= b.minWorkersScaling,
        text:
          `${mode} c16: --workers 2 req/s ${f2(scaling.ratio)}× one process's (≥ ${b.minWorkersScaling}×; at most ${f2(scaling.ceilingRatio)}× on ` +
          `${scaling.cores} cores shared with wrk and the upstream, ${f2(scaling.dedicatedRatio)}× on cores of its own)`,
      });
    } else {
      skip(`${mode} c16 --workers 2`);
    }
  }
  const peaks = Object.values(summary).map((cells) => cells[64]?.full?.peakRssMb).filter(Number.isFinite);
  if (peaks.length > 0) {
    const peak = Math.max(...peaks);
    checks.push({ pass: peak <= b.maxPeakRssMb, text: `c64: full chain peak RSS ${f1(peak)} MB (≤ ${b.maxPeakRssMb} MB)` });
  } else {
    skip('c64 full chain peak RSS');
  }
  return checks;
}

export function formatVerdict(checks) {
  const label = (pass) => (pass === undefined ? 'SKIP   ' : pass ? 'MET    ' : 'NOT MET');
  const failed = checks.filter((c) => c.pass === false).length;
  const measured = checks.filter((c) => c.pass !== undefined).length;
  const skipped = checks.length - measured;
  const overall =
    (failed === 0 ? 'every measured target met' : `${failed} of ${measured} targets not met`) +
    (skipped > 0 ? ` (${skipped} not measured in this configuration)` : '');
  return ['targets (issue 14)', ...checks.map((c) => `  ${label(c.pass)}  ${c.text}`), overall].join('\n');
}

/** Each gateway target against the bare proxy, one row per mode and concurrency. */
export function formatComparisons(summary, targets, settings) {
  const rows = [];
  for (const target of targets.filter((t) => t.gateway)) {
    for (const mode of settings.modes) {
      for (const concurrency of settings.concurrency) {
        const c = compareCell(summary[mode][concurrency], target.name);
        rows.push([target.label, mode, concurrency, `${f2(c.rpsShare)}×`, signed(c.addedP50Ms), signed(c.addedP99Ms), `${f2(c.cpuRatio)}×`, `${f2(c.allocRatio)}×`]);
      }
    }
  }
  return ['gateways vs bare proxy', table(['target', 'mode', 'c', 'req/s', 'added p50 ms', 'added p99 ms', 'CPU/req', 'alloc/req'], rows)].join('\n');
}

/**
 * `--workers 2` against one process in one cell. The load generator and the mock upstream
 * run on the same cores, so two workers can never have both cores to themselves: with
 * every process busy, the cores serve at most cores / (CPU per request of the gateway
 * tree + the upstream + wrk) requests per second. That ceiling over one process's req/s
 * is the best ratio this machine can show; one process is bound by its main thread
 * (`singleMainBusy` near 1: its event loop used a whole core).
 *
 * `dedicatedRatio` is the ratio the same gateway would reach on cores of its own (load
 * generator and upstream elsewhere): one process serves 1 / (its main thread's CPU per
 * request), N workers cores / (the tree's CPU per request). It needs no quiet machine,
 * only CPU per request, and says how far off-main-thread work (the SQLite worker thread,
 * GC helpers, the primary) keeps the workers from scaling: 2 × main / tree.
 */
export function workersScaling(cell) {
  const single = cell.full;
  const workers = cell.workers;
  if (!single || !workers) return undefined;
  const cores = availableParallelism();
  const perRequestUs = workers.cpuUsPerRequest + workers.upstreamCpuUsPerRequest + workers.wrkCpuUsPerRequest;
  const ceilingRps = (cores * 1e6) / perRequestUs;
  return {
    cores,
    singleRps: single.rps,
    singleMainBusy: (single.mainThreadCpuUsPerRequest * single.rps) / 1e6,
    workersRps: workers.rps,
    ratio: workers.rps / single.rps,
    gatewayCpuUs: workers.cpuUsPerRequest,
    upstreamCpuUs: workers.upstreamCpuUsPerRequest,
    wrkCpuUs: workers.wrkCpuUsPerRequest,
    ceilingRps,
    ceilingRatio: ceilingRps / single.rps,
    singleMainCpuUs: single.mainThreadCpuUsPerRequest,
    dedicatedRatio: (cores * single.mainThreadCpuUsPerRequest) / workers.cpuUsPerRequest,
  };
}

/** One row per mode and concurrency: what two workers gained, and what the machine allows. */
export function formatWorkersScaling(summary, settings) {
  const rows = [];
  for (const mode of settings.modes) {
    for (const concurrency of settings.concurrency) {
      const s = workersScaling(summary[mode][concurrency]);
      if (!s) continue;
      rows.push([
        mode, concurrency, f1(s.singleRps), `${f1(s.singleMainBusy * 100)}%`, f1(s.workersRps), `${f2(s.ratio)}×`,
        f1(s.singleMainCpuUs), f1(s.gatewayCpuUs), f1(s.upstreamCpuUs), f1(s.wrkCpuUs), f1(s.ceilingRps), `${f2(s.ceilingRatio)}×`, `${f2(s.dedicatedRatio)}×`,
      ]);
    }
  }
  if (rows.length === 0) return undefined;
  return [
    `--workers 2 vs one process (full chain) on ${availableParallelism()} cores shared with wrk and the upstream`,
    table(
      ['mode', 'c', '1 proc req/s', 'its main thread busy', '2 workers req/s', 'ratio', '1 proc main µs/req', '2 workers µs/req', 'upstream µs/req', 'wrk µs/req', 'ceiling req/s', 'best here', 'own cores'],
      rows,
    ),
    'best here: the ceiling (cores / CPU per request of workers + upstream + wrk) over one process\'s req/s; ' +
      'own cores: 2 × one process\'s main-thread CPU per request / the workers\' CPU per request, the ratio with the cores to itself.',
  ].join('\n');
}
