/**
 * What a second stop signal means, for one process and for a cluster primary alike: the first
 * drains; a repeat within {@link repeatedSignalWindowMs} is the same keypress passed on; a Ctrl-C
 * after that cuts what is in flight, still writing the cut requests' usage.
 */

/** Signals this soon after the first are the same one passed on by a parent (npm, scripts/start.js), not a second Ctrl-C. */
export const repeatedSignalWindowMs = 1000;

/** After a forced stop, how long the cut requests' usage records may take to reach the store before the process exits without them. */
export const forcedStopWaitMs = 5000;

/** The exit code of a stop forced by `signal`, as a shell reports a process killed by it. */
export function forcedExitCode(signal: NodeJS.Signals): number {
  return 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15);
}

const forceStopType = 'switchyard:force-stop';

/** What a cluster primary sends its workers on a second Ctrl-C: a worker ignores repeated signals, which the terminal sends it too. */
export const forceStopMessage = { type: forceStopType } as const;

export function isForceStopMessage(message: unknown): boolean {
  return (message as { type?: unknown } | null)?.type === forceStopType;
}
