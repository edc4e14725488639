import cluster from 'node:cluster';

const type = 'switchyard:start-failed';

/**
 * Worker: tells the cluster primary the one line that says why it cannot start (its port is
 * taken, its storage refused or gone), for the primary to say once for every worker and attempt. False when there is no primary to tell:
 * the line is then the worker's own to print. Resolves once the message is handed to the channel.
 */
export function tellPrimaryWhyNotStarted(message: string): Promise<boolean> {
  if (!cluster.isWorker || !process.send || !process.connected) return Promise.resolve(false);
  return new Promise((resolve) => {
    process.send!({ type, message }, undefined, undefined, (error: Error | null) => resolve(error === null));
  });
}

/** Primary: the line a worker's message carries when it is such a report, else undefined. */
export function whyNotStarted(message: unknown): string | undefined {
  const report = message as { type?: unknown; message?: unknown } | null;
  return report?.type === type && typeof report.message === 'string' ? report.message : undefined;
}
