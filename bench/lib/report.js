// Turns the collected numbers into the printed tables and the met/not-met lines for
// the targets of issue 14.

export const targetsBudget = {
  minFullRpsShare: 0.9, // full chain req/s vs bare proxy at concurrency 16, whole and streamed
  minCacheHitRpsShare: 1.5, // cache hits vs bare proxy at concurrency 16
  maxAddedP99OverProxyMs: 2, // full chain p99 at concurrency 16: ≤ the proxy's + 2 ms
  maxPeakRssMb: 150, // full chain, concurrency 64
  maxAllocShare: 1, // full chain allocated bytes per request ≤ the proxy's
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
      `${f2(s.rps / proxy.rps)}×`,
      f3(ms(s.p50Us)),
      f3(ms(s.p99Us)),
      f1(s.cpuUsPerRequest),
      kb(s.allocBytesPerRequest),
      `${f2(s.allocBytesPerRequest / proxy.allocBytesPerRequest)}×`,
      f1(s.peakRssMb),
    ];
  });
  const header = ['target', 'req/s', '±rounds', 'vs proxy', 'p50 ms', 'p99 ms', 'CPU µs/req', 'alloc KB/req', 'vs proxy', 'peak RSS MB'];
  const otherLoad = Math.max(...targets.map((t) => cell[t.name].otherLoadPct));
  const noisy = otherLoad > maxOtherLoadPct ? `\n[noisy: other processes used up to ${otherLoad.toFixed(0)}% of a core]` : '';
  return [`${mode} · concurrency ${concurrency} · mean of ${rounds} interleaved round${rounds === 1 ? '' : 's'}`, table(header, rows) + noisy].join('\n');
}

/** A gateway target's cell against the bare proxy's. */
export function compareCell(cell, name = 'gateway') {
  const { proxy } = cell;
  const gateway = cell[name];
  if (!proxy || !gateway) return undefined;
  return {
    rpsShare: gateway.rps / proxy.rps,
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
