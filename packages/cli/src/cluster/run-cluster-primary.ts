import type { Logger } from '@switchyard/core';
import cluster, { type Worker } from 'node:cluster';
import { CliError } from '../cli-error.js';
import { forcedExitCode, forcedStopWaitMs, forceStopMessage, repeatedSignalWindowMs } from '../second-signal.js';
import { whyNotStarted } from './worker-start-failure.js';

export interface ClusterPrimaryOptions {
  workers: number;
  logger: Logger;
  /** Extra environment of every worker (a generated master key, so all use the same). */
  workerEnv: Record<string, string>;
  /** After SIGTERM, how long the workers get to drain before they are killed (drain delay + shutdown timeout + margin). */
  stopTimeoutMs: number;
  /** Called once, when every worker listens for the first time (saves and prints a generated master key). */
  onAllListening(address: { address: string; port: number }): Promise<void> | void;
  /** Replacements allowed within {@link crashWindowMs} before the primary gives up (default 5). */
  maxCrashes?: number;
  crashWindowMs?: number;
}

/** Restarts back off from this doubling up to the cap, so a crash loop does not spin the CPU. */
const firstBackoffMs = 100;
const maxBackoffMs = 5000;

/**
 * The cluster primary of `switchyard start --workers N`: does no request work. It
 * forks N workers sharing the port, replaces one that exits unexpectedly (backing
 * off, and giving up with a clear log when they keep crashing), and on
 * SIGTERM/SIGINT tells every worker to drain — each runs the single-process
 * shutdown — and resolves with the exit code once all are gone (0 when every one
 * stopped cleanly), killing any still running after `stopTimeoutMs`. A second Ctrl-C (past the window in
 * which a repeat is the same keypress) tells every worker to cut its requests in flight, write their
 * usage and exit: it resolves with 130. When it stops because a worker
 * could not start (or kept crashing) and that worker said why (its port was taken after the
 * primary's check), it rejects with that line as a CliError: said once, not by every worker.
 */
export function runClusterPrimary(options: ClusterPrimaryOptions): Promise<number> {
  const { logger } = options;
  const maxCrashes = options.maxCrashes ?? 5;
  const crashWindowMs = options.crashWindowMs ?? 60_000;
  const live = new Set<Worker>();
  const listened = new Set<number>();
  const crashes: number[] = [];
  const restartTimers = new Set<NodeJS.Timeout>();
  let everyoneListened = false;
  let stopping = false;
  let failed = false;
  /** A worker that served did not drain and exit 0 (one that failed to start is reported as that). */
  let unclean = false;
  /** Why each worker that told the primary could not start. */
  const reasons = new Map<number, string>();
  /** The worker whose failure stops the cluster (it could not start, or was the crash too many). */
  let stoppedBy: Worker | undefined;
  /** Replacements in a row that could not start for the same reason (the SQLite file gone): said once, counted. */
  let failedStarts: { reason: string; count: number } | undefined;
  /** Workers whose IPC channel is still open: a report sent just before a worker exits is read once it closes. */
  const openChannels = new Set<Worker>();
  let onChannelsClosed: (() => void) | undefined;
  /** Set by a second Ctrl-C: the exit code of the forced stop. */
  let forcedCode: number | undefined;
  let resolveExit: (code: number) => void = () => undefined;
  let rejectExit: (error: Error) => void = () => undefined;
  const exited = new Promise<number>((resolve, reject) => {
    resolveExit = resolve;
    rejectExit = reject;
  });
  const finish = () => {
    onChannelsClosed = () => {
      const reason = stoppedBy === undefined ? undefined : reasons.get(stoppedBy.id);
      const attempts = failedStarts !== undefined && failedStarts.reason === reason && failedStarts.count > 1 ? ` (${failedStarts.count} attempts failed)` : '';
      if (reason !== undefined) rejectExit(new CliError(`${reason}${attempts}`));
      else resolveExit(forcedCode ?? (failed ? 1 : 0));
    };
    if (openChannels.size === 0) onChannelsClosed();
  };

  // A worker told to stop while it still loads dies of the signal (its handler is not in place
  // yet): it had nothing to drain, so that is a clean stop, not a failure.
  const stoppedBeforeServing = (worker: Worker, signal: string | null) => !listened.has(worker.id) && (signal === 'SIGTERM' || signal === 'SIGINT' || signal === 'SIGHUP');

  const fork = () => {
    const worker = cluster.fork(options.workerEnv);
    live.add(worker);
    openChannels.add(worker);
    worker.once('disconnect', () => {
      openChannels.delete(worker);
      if (openChannels.size === 0) onChannelsClosed?.();
    });
  };

  cluster.on('message', (worker, message: unknown) => {
    const reason = whyNotStarted(message);
    if (reason !== undefined && !reasons.has(worker.id)) reasons.set(worker.id, reason);
  });

  const stopAll = (reason: string, signal: NodeJS.Signals = 'SIGTERM') => {
    if (stopping) return;
    stopping = true;
    for (const timer of restartTimers) clearTimeout(timer);
    restartTimers.clear();
    logger.info({ reason, workers: live.size }, 'stopping: every worker drains its requests in flight');
    for (const worker of live) worker.process.kill(signal);
    const deadline = setTimeout(() => {
      if (live.size === 0) return;
      failed = true;
      logger.error({ workers: live.size, stopTimeoutMs: options.stopTimeoutMs }, 'workers did not stop in time: killing them');
      for (const worker of live) worker.process.kill('SIGKILL');
    }, options.stopTimeoutMs);
    deadline.unref();
    if (live.size === 0) finish();
  };

  cluster.on('listening', (worker, address) => {
    listened.add(worker.id);
    if (failedStarts) {
      logger.info({ workerId: worker.id, failedStarts: failedStarts.count }, `a replacement worker started after ${failedStarts.count} failed attempts`);
      failedStarts = undefined;
    }
    // Live ones only: a worker that listened and died while another still starts is not one of N
    // (that other one failing to start then counted as a crash to replace, not a failed start).
    const listening = [...live].filter((each) => listened.has(each.id)).length;
    if (everyoneListened || listening < options.workers) return;
    everyoneListened = true;
    void Promise.resolve(options.onAllListening({ address: address.address ?? '', port: address.port })).then(
      () => logger.info({ workers: options.workers, port: address.port }, `switchyard listening on port ${address.port} with ${options.workers} workers`),
      (error: unknown) => {
        logger.error({ err: error }, 'could not finish starting');
        failed = true;
        stopAll('start-up failed');
      },
    );
  });

  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker);
    if (stopping) {
      if (code !== 0 && !stoppedBeforeServing(worker, signal)) {
        failed = true;
        if (listened.has(worker.id)) unclean = true;
      }
      if (live.size === 0) {
        logger.info({ failed }, unclean ? 'stopped; a worker did not stop cleanly' : 'stopped');
        finish();
      }
      return;
    }
    if (!listened.has(worker.id) && !everyoneListened) {
      // A worker that cannot start (the port is taken, the config cannot load) will not start
      // on a retry either: stop the others and report it.
      logger.error({ workerId: worker.id, code, signal }, 'a worker failed to start; stopping');
      failed = true;
      stoppedBy = worker;
      stopAll('a worker failed to start');
      return;
    }
    sayFailedStartOnce(worker);
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && crashes[0]! < now - crashWindowMs) crashes.shift();
    if (crashes.length > maxCrashes) {
      logger.error(
        { workerId: worker.id, code, signal, crashes: crashes.length, windowMs: crashWindowMs },
        `workers keep crashing (${crashes.length} within ${crashWindowMs / 1000} s): giving up and stopping`,
      );
      failed = true;
      stoppedBy = worker;
      stopAll('crash loop');
      return;
    }
    const backoffMs = Math.min(firstBackoffMs * 2 ** (crashes.length - 1), maxBackoffMs);
    logger.error({ workerId: worker.id, pid: worker.process.pid, code, signal, backoffMs }, 'a worker stopped unexpectedly; starting a replacement');
    const timer = setTimeout(() => {
      restartTimers.delete(timer);
      if (!stopping) fork();
    }, backoffMs);
    restartTimers.add(timer);
  });

  /**
   * A replacement that could not start says why (bin.ts); the next ones, backing off, mostly fail
   * alike until the cause is fixed: the line is logged for the first, the others counted (said when
   * one starts, or in the line the primary stops with).
   */
  const sayFailedStartOnce = (worker: Worker) => {
    const reason = reasons.get(worker.id);
    if (reason === undefined) return;
    if (failedStarts?.reason === reason) {
      failedStarts.count++;
      return;
    }
    failedStarts = { reason, count: 1 };
    logger.error({ workerId: worker.id }, `a replacement worker could not start: ${reason.replace(/^could not start: /, '')}`);
  };

  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt === undefined) {
      firstSignalAt = performance.now();
      stopAll(signal);
      return;
    }
    // Repeated SIGTERMs are a supervisor's, which kills when it is done waiting; a later Ctrl-C is a person's.
    if (signal !== 'SIGINT' || forcedCode !== undefined || performance.now() - firstSignalAt < repeatedSignalWindowMs) return;
    forcedCode = forcedExitCode(signal);
    logger.warn({ signal, workers: live.size }, 'stopping now: a second signal cuts the requests in flight; their usage is still written');
    // A worker ignores the repeated signal itself (the terminal sends every Ctrl-C to it too): it is told.
    for (const worker of live) worker.send(forceStopMessage, () => undefined);
    // Each worker exits within forcedStopWaitMs; one that does not is not waited for the whole stop bound.
    const deadline = setTimeout(() => {
      for (const worker of live) worker.process.kill('SIGKILL');
    }, forcedStopWaitMs + 2000);
    deadline.unref();
  };
  // `on`, not `once`: a second signal must not kill the primary and orphan its workers.
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // A closed terminal: every worker drains, as on SIGTERM (Node's default for SIGHUP is to die at once).
  process.on('SIGHUP', onSignal);

  for (let i = 0; i < options.workers; i++) fork();
  return exited.finally(() => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onSignal);
  });
}
