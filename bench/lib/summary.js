// Folds the individual runs into one number per mode, concurrency and target.
import { compareCell } from './report.js';
import { mean } from './stats.js';

/** Mean of the rounds per target; CPU is total CPU over total requests; peak RSS is the max. */
export function summarise(runs, settings, targets) {
  const summary = {};
  for (const mode of settings.modes) {
    summary[mode] = {};
    for (const concurrency of settings.concurrency) {
      const cell = {};
      for (const target of targets) {
        const rs = runs.filter((r) => r.mode === mode && r.concurrency === concurrency && r.target === target.name);
        const rps = rs.map((r) => r.rps);
        const meanRps = mean(rps);
        const requests = rs.reduce((sum, r) => sum + r.requests, 0);
        cell[target.name] = {
          rps: meanRps,
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

