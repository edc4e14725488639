import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Finds the processes a test started, by a marker in their environment: a cluster primary and
 * each of its workers (orphaned or not), which no child handle reaches. Each test gets a marker
 * of its own (`next`), and `killLeftovers` (in an afterEach) SIGKILLs whatever a failed test
 * left running.
 */
export function processMarkers(variable: string) {
  const markers: string[] = [];
  /** The live processes started with this marker (a zombie has no environment left to read). */
  const pids = (env: Record<string, string>): number[] => {
    const needle = `${variable}=${env[variable]}`;
    const found: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(needle)) found.push(Number(entry));
      } catch {
        // Gone meanwhile, or not ours.
      }
    }
    return found;
  };
  return {
    /** A new marker, as environment to give the processes of one test. */
    next(): Record<string, string> {
      const marker = randomUUID();
      markers.push(marker);
      return { [variable]: marker };
    },
    pids,
    killLeftovers(): void {
      for (const marker of markers.splice(0)) {
        for (const pid of pids({ [variable]: marker })) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // Exited meanwhile.
          }
        }
      }
    },
  };
}

/** Resolves once `check` holds for the child's output, re-checked on every write; rejects if the child closes first. */
export function childOutput(child: ChildProcess, check: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (settle: () => void) => {
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.off('close', onClose);
      settle();
    };
    // On the next turn: whoever collects the output has appended this write by then.
    const onData = () => setImmediate(() => check() && done(resolve));
    const onClose = () => (check() ? done(resolve) : done(() => reject(new Error(`exited before ${what}`))));
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('close', onClose);
    if (check()) done(resolve);
    else if (child.stdout!.readableEnded) done(() => reject(new Error(`exited before ${what}`)));
  });
}

/** How often `part` occurs in `text`. */
export const occurrences = (text: string, part: string) => text.split(part).length - 1;

/** The line each worker of a `--workers` gateway logs once it listens. */
const workerListening = 'switchyard listening on http';

/**
 * SIGKILLs one worker of a `--workers 2` gateway whose processes carry `env`'s marker, and
 * resolves with its pid once the replacement listens. Both workers must have logged their own
 * "listening" line first: the primary's "with 2 workers" comes from the cluster's listening
 * events, and a worker killed before its own line (a loaded machine) never logs it, so the
 * count of those lines would stop short of 3.
 */
export async function replaceOneWorker(
  gateway: { child: ChildProcess; stdout: () => string },
  pids: number[],
): Promise<number> {
  await childOutput(gateway.child, () => occurrences(gateway.stdout(), workerListening) >= 2, 'both workers to listen');
  const [victim] = pids.filter((pid) => pid !== gateway.child.pid);
  process.kill(victim!, 'SIGKILL');
  await childOutput(gateway.child, () => occurrences(gateway.stdout(), workerListening) >= 3, 'the replacement to listen');
  return victim!;
}
