import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { CliError } from '../cli-error.js';
import { quoteInput } from '../terminal-text.js';

/** The most workers `--workers` takes on any machine: a typo's guard whatever the core count. */
export const MAX_WORKERS = 256;

/**
 * Workers per core past which `--workers` is refused. Past a few per core they only
 * compete for the same CPU, and each costs a process's memory and a fork that blocks the
 * primary: 256 on 2 cores took minutes to start and some 20 GB.
 */
export const WORKERS_PER_CORE = 4;

/** The most workers this machine takes: {@link WORKERS_PER_CORE} per core this process may use, at most {@link MAX_WORKERS}. */
export function maxWorkers(cores: number): number {
  return Math.min(MAX_WORKERS, WORKERS_PER_CORE * Math.max(1, cores));
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The CPU limit of this process's cgroup in whole cores (`docker run --cpus`, a Kubernetes
 * CPU limit; at least 1), or undefined without one. Node 20's libuv leaves it out of
 * availableParallelism(), which then counts every core of the host.
 */
export function cgroupCpuQuota(read: (file: string) => string | undefined = readOptional): number | undefined {
  // cgroup v2: "<quota> <period>", or "max <period>" for no limit.
  const v2 = read('/sys/fs/cgroup/cpu.max')?.trim().split(/\s+/);
  // cgroup v1: quota -1 for no limit.
  const [quota, period] = v2 ?? [read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'), read('/sys/fs/cgroup/cpu/cpu.cfs_period_us')];
  const cores = Number(quota) / Number(period);
  return Number.isFinite(cores) && cores > 0 ? Math.max(1, Math.floor(cores)) : undefined;
}

/** The cores this process may use: those it may run on, within its cgroup's CPU limit. */
export function availableCores(parallelism: number = availableParallelism(), quota: number | undefined = cgroupCpuQuota()): number {
  return Math.min(parallelism, quota ?? parallelism);
}

/**
 * `--workers N|auto` (or `server.workers`) as a count: `auto` is one per core the
 * process may use. Anything but a whole number from 1 to {@link maxWorkers} is refused.
 */
export function resolveWorkerCount(value: string | number | undefined, cores: () => number = availableCores): number {
  if (value === undefined) return 1;
  if (value === 'auto') return Math.max(1, Math.min(cores(), MAX_WORKERS));
  const count = typeof value === 'number' ? value : /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  const available = cores();
  const limit = maxWorkers(available);
  if (!Number.isInteger(count) || count < 1 || count > limit) {
    const bound = limit < MAX_WORKERS ? ` (${WORKERS_PER_CORE} per core, ${available} here)` : '';
    throw new CliError(`--workers must be 'auto' or a whole number from 1 to ${limit}${bound}, got ${quoteInput(String(value))}`, 2);
  }
  return count;
}
