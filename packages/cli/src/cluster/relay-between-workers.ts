import cluster from 'node:cluster';

/**
 * Primary: passes what one worker sends on to every other live worker. `relayed` reads a
 * message and answers what to pass on (undefined: not this relay's message). Call before
 * the first fork.
 */
export function relayBetweenWorkers(relayed: (message: unknown) => object | undefined): void {
  cluster.on('message', (from, message: unknown) => {
    const outgoing = relayed(message);
    if (outgoing === undefined) return;
    for (const worker of Object.values(cluster.workers ?? {})) {
      // A worker that died meanwhile needs no notice: the send error is dropped.
      if (worker && worker !== from && worker.isConnected()) worker.send(outgoing, () => undefined);
    }
  });
}
