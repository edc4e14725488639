// Folds the individual runs into one number per mode, concurrency and target.
import { compareCell } from './report.js';
import { mean, median } from './stats.js';

/**
 * Mean of the rounds per target; CPU is total CPU over total requests; peak RSS is the
 * max. `rpsVsProxy` is the median, over rounds, of the target's req/s over the proxy's
 * in the same round: the machine's speed drifts between rounds (2× within minutes has
 * been seen), and a ratio of runs seconds apart cancels most of that drift, where a
 * ratio of means over the rounds keeps it.
 */
export function summarise(runs, settings, targets) {
  const summary = {};
  for (const mode of settings.modes) {
    summary[mode] = {};
    for (const concurrency of settings.concurrency) {
      const cell = {};
      const inCell = runs.filter((r) => r.mode === mode && r.concurrency === concurrency);
      const proxyByRound = new Map(inCell.filter((r) => r.target === 'proxy').map((r) => [r.round, r.rps]));
      for (const target of targets) {
        const rs = inCell.filter((r) => r.target === target.name);
        const rps = rs.map((r) => r.rps);
        const meanRps = mean(rps);
        const requests = rs.reduce((sum, r) => sum + r.requests, 0);
        cell[target.name] = {
          rps: meanRps,
          rpsVsProxy: median(rs.filter((r) => proxyByRound.has(r.round)).map((r) => r.rps / proxyByRound.get(r.round))),
          otherLoadPct: Math.max(...rs.map((r) => r.otherLoadPct)),
          rpsSpreadPct: ((Math.max(...rps) - Math.min(...rps)) / 2 / meanRps) * 100,
          p50Us: mean(rs.map((r) => r.latencyUs.p50)),
          p99Us: mean(rs.map((r) => r.latencyUs.p99)),
          cpuUsPerRequest: rs.reduce((sum, r) => sum + r.cpuUs, 0) / requests,
          allocBytesPerRequest: rs.reduce((sum, r) => sum + r.allocBytes, 0) / requests,
          gcsPerThousand: (rs.reduce((sum, r) => sum + r.gcs, 0) / requests) * 1000,
          upstreamCpuUsPerRequest: mean(rs.map((r) => r.upstreamCpuUsPerRequest)),
          wrkCpuUsPerRequest: mean(rs.map((r) => r.wrkCpuUsPerRequest)),
          mainThreadCpuUsPerRequest: rs.reduce((sum, r) => sum + r.mainThreadCpuUs, 0) / requests,
          peakRssMb: Math.max(...rs.map((r) => r.peakRssMb)),
          requests,
        };
      }
      summary[mode][concurrency] = cell;
    }
  }
  return summary;
}

/** Every gateway target against the bare proxy, by mode and concurrency. */
export function comparisons(summary, targets) {
  const out = {};
  for (const target of targets.filter((t) => t.gateway)) {
    out[target.name] = {};
    for (const [mode, cells] of Object.entries(summary)) {
      out[target.name][mode] = {};
      for (const [concurrency, cell] of Object.entries(cells)) out[target.name][mode][concurrency] = compareCell(cell, target.name);
    }
  }
  return out;
}

