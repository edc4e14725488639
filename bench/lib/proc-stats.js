// Per-process CPU time and peak memory from /proc (Linux only).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Kernel clock ticks per second: utime/stime are counted in these (usually 100, i.e. 10 ms). */
export const clockTicks = (() => {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU of the process (all its threads) in microseconds. */
export function cpuMicros(pid) {
  return statCpuMicros(`/proc/${pid}/stat`);
}

/** utime + stime of a /proc stat file (a process's, or one thread's under task/). */
function statCpuMicros(file) {
  const stat = readFileSync(file, 'utf8');
  // The command name is in parentheses and may contain spaces; fields restart after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the full line, i.e. 11 and 12 after the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / clockTicks;
}

/**
 * CPU of this process's children that have exited and been waited for (cutime + cstime of
 * /proc/self/stat), in microseconds: read around a wrk run, the load generator's own CPU.
 */
export function reapedChildrenCpuMicros() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // cutime and cstime are fields 16 and 17 of the full line, i.e. 13 and 14 after the name.
  return ((Number(fields[13]) + Number(fields[14])) * 1e6) / clockTicks;
}

/**
 * CPU of each process's main thread (the event loop; the SQLite worker, libuv's pool and
 * V8's GC helpers are other threads) summed over pids, in microseconds. One gateway process
 * cannot serve faster than its main thread runs: at 100% of a core, that is its ceiling.
 */
export function mainThreadCpuMicros(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      total += statCpuMicros(`/proc/${pid}/task/${pid}/stat`);
    } catch {
      // gone
    }
  }
  return total;
}

/**
 * The pid and every live descendant (cluster workers of a `--workers` gateway), so a
 * target made of several processes is measured whole.
 */
export function processTree(pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(Number(entry));
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

/** cpuMicros summed over pids; a process that exited meanwhile counts as 0. */
export function treeCpuMicros(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      total += cpuMicros(pid);
    } catch {
      // gone
    }
  }
  return total;
}

function statusKb(pid, field) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : NaN;
}

/** Peak resident set size (VmHWM) in MB since start or since the last reset. */
export function peakRssMb(pid) {
  return statusKb(pid, 'VmHWM') / 1024;
}

/** Sum of the peaks of several processes: an upper bound on their peak together. */
export function treePeakRssMb(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      total += peakRssMb(pid);
    } catch {
      // gone
    }
  }
  return total;
}

export function rssMb(pid) {
  return statusKb(pid, 'VmRSS') / 1024;
}

/**
 * Resets VmHWM to the current RSS (clear_refs "5"), so each run gets its own peak.
 * Returns false where the kernel or permissions do not allow it.
 */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const kernelThread = 0x00200000; // PF_KTHREAD in /proc/PID/stat's flags

/**
 * CPU ticks of every other user-space process, by pid, and the hypervisor's steal. Two
 * snapshots tell whether something else (a test suite, a build, another guest) competed
 * for the cores during a run.
 * Reaped children count through their parent's cutime/cstime, so processes that
 * come and go between snapshots are not lost. Kernel threads are left out: on
 * loopback they mostly do our own packets' work.
 */
export function otherProcessesSnapshot(excludePids) {
  const snapshot = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || excludePids.has(Number(entry))) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    if (Number(fields[6]) & kernelThread) continue;
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    snapshot.set(entry, { name: stat.slice(stat.indexOf('(') + 1, close), ticks });
  }
  // Time the hypervisor gave our virtual CPUs to another guest counts as load like any
  // process's: the targets did not get it. (Contention for the host's shared caches does
  // not show here or anywhere else a guest can read.)
  snapshot.set('steal', { name: 'hypervisor steal', ticks: stealTicks() });
  return snapshot;
}

/** All CPUs' steal time so far, in clock ticks (the 8th value of /proc/stat's `cpu` line; 0 where not accounted). */
function stealTicks() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  return Number(line.trim().split(/\s+/)[8] ?? 0) || 0;
}

/** CPU µs other processes (and the hypervisor's steal) used between two snapshots, and the biggest users by name. */
export function otherProcessesUsage(before, after) {
  const byName = new Map();
  let ticks = 0;
  for (const [pid, { name, ticks: now }] of after) {
    const used = now - (before.get(pid)?.ticks ?? 0);
    if (used <= 0) continue;
    ticks += used;
    byName.set(name, (byName.get(name) ?? 0) + used);
  }
  // A process gone since `before` had its time moved to its parent's cutime; take it back out.
  for (const [pid, { ticks: then }] of before) if (!after.has(pid)) ticks -= then;
  const top = [...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name]) => name);
  return { micros: (ticks * 1e6) / clockTicks, top };
}
