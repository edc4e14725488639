// Turns the collected numbers into the printed tables and the PASS/FAIL lines.

export const targetsBudget = {
  minRpsShare: 0.85, // gateway req/s vs bare proxy at concurrency 16
  maxAddedP50Ms: 0.5, // at concurrency 1, and for TTFB
  maxAddedP99Ms: 1.0,
  maxPeakRssMb: 150,
};

const ms = (us) => us / 1000;
const f3 = (value) => (Number.isFinite(value) ? value.toFixed(3) : 'n/a');
const f1 = (value) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');
const signed = (value) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(3)}` : 'n/a');

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) =>
    cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** One block per mode and concurrency; `cell` maps target name to its aggregated numbers. */
export function formatCell({ mode, concurrency, rounds, cell, targets, maxOtherLoadPct }) {
  const rows = targets.map((t) => {
    const s = cell[t.name];
    return [t.label, f1(s.rps), `${f1(s.rpsSpreadPct)}%`, f3(ms(s.p50Us)), f3(ms(s.p99Us)), f1(s.cpuUsPerRequest), f1(s.peakRssMb)];
  });
  const header = ['target', 'req/s', '±rounds', 'p50 ms', 'p99 ms', 'CPU µs/req', 'peak RSS MB'];
  const c = compareCell(cell);
  const otherLoad = Math.max(...targets.map((t) => cell[t.name].otherLoadPct));
  const noisy = otherLoad > maxOtherLoadPct ? ` [noisy: other processes used up to ${otherLoad.toFixed(0)}% of a core]` : '';
  return [
    `${mode} · concurrency ${concurrency} · mean of ${rounds} interleaved round${rounds === 1 ? '' : 's'}`,
    table(header, rows),
    `gateway vs bare proxy: ${f1(c.rpsShare * 100)}% of req/s, p50 ${signed(c.addedP50Ms)} ms, p99 ${signed(c.addedP99Ms)} ms, ` +
      `CPU ${f1(c.cpuRatio)}× per request${noisy}`,
  ].join('\n');
}

export function compareCell(cell) {
  const { proxy, gateway } = cell;
  return {
    rpsShare: gateway.rps / proxy.rps,
    addedP50Ms: ms(gateway.p50Us - proxy.p50Us),
    addedP99Ms: ms(gateway.p99Us - proxy.p99Us),
    cpuRatio: gateway.cpuUsPerRequest / proxy.cpuUsPerRequest,
  };
}

export function formatTtfb(ttfb, targets, requests) {
  const rows = targets.map((t) => {
    const s = ttfb[t.name];
    return [t.label, f3(s.p50), f3(s.p99), f3(s.totalP50), f3(s.totalP99)];
  });
  return [
    `streaming TTFB · concurrency 1 · ${requests} sequential requests per target, interleaved`,
    table(['target', 'TTFB p50 ms', 'TTFB p99 ms', 'full p50 ms', 'full p99 ms'], rows),
    `gateway vs bare proxy: TTFB p50 ${signed(ttfb.gateway.p50 - ttfb.proxy.p50)} ms, p99 ${signed(ttfb.gateway.p99 - ttfb.proxy.p99)} ms`,
  ].join('\n');
}

/** The checks against the budget; each { pass, text }. Missing cells are reported as skipped. */
export function verdict(summary, ttfb, gatewayPeakRssMb) {
  const b = targetsBudget;
  const checks = [];
  for (const mode of ['non-streaming', 'streaming']) {
    const c16 = summary[mode]?.[16];
    if (c16) {
      const share = compareCell(c16).rpsShare;
      checks.push({ pass: share >= b.minRpsShare, text: `${mode} c16: gateway req/s ${f1(share * 100)}% of bare proxy (≥ ${b.minRpsShare * 100}%)` });
    } else {
      checks.push({ pass: undefined, text: `${mode} c16: not measured` });
    }
    const c1 = summary[mode]?.[1];
    if (c1) {
      const { addedP50Ms, addedP99Ms } = compareCell(c1);
      checks.push({ pass: addedP50Ms <= b.maxAddedP50Ms, text: `${mode} c1: gateway adds ${signed(addedP50Ms)} ms p50 (≤ ${b.maxAddedP50Ms} ms)` });
      checks.push({ pass: addedP99Ms <= b.maxAddedP99Ms, text: `${mode} c1: gateway adds ${signed(addedP99Ms)} ms p99 (≤ ${b.maxAddedP99Ms} ms)` });
    } else {
      checks.push({ pass: undefined, text: `${mode} c1: not measured` });
    }
  }
  if (ttfb) {
    const addedP50 = ttfb.gateway.p50 - ttfb.proxy.p50;
    const addedP99 = ttfb.gateway.p99 - ttfb.proxy.p99;
    checks.push({ pass: addedP50 <= b.maxAddedP50Ms, text: `streaming TTFB: gateway adds ${signed(addedP50)} ms p50 (≤ ${b.maxAddedP50Ms} ms)` });
    checks.push({ pass: addedP99 <= b.maxAddedP99Ms, text: `streaming TTFB: gateway adds ${signed(addedP99)} ms p99 (≤ ${b.maxAddedP99Ms} ms)` });
  }
  checks.push({
    pass: gatewayPeakRssMb < b.maxPeakRssMb,
    text: `gateway peak RSS ${f1(gatewayPeakRssMb)} MB over the whole run (< ${b.maxPeakRssMb} MB)`,
  });
  return checks;
}

export function formatVerdict(checks) {
  const label = (pass) => (pass === undefined ? 'SKIP' : pass ? 'PASS' : 'FAIL');
  const failed = checks.filter((c) => c.pass === false).length;
  const measured = checks.filter((c) => c.pass !== undefined).length;
  const skipped = checks.length - measured;
  const overall =
    (failed === 0 ? 'PASS: gateway met every measured target' : `FAIL: gateway missed ${failed} of ${measured} targets`) +
    (skipped > 0 ? ` (${skipped} not measured in this configuration)` : '');
  return ['targets', ...checks.map((c) => `  ${label(c.pass)}  ${c.text}`), overall].join('\n');
}
