import { parseKeyChange, type KeyChangeChannel, type KeyChangeListener } from '@switchyard/core';
import { relayBetweenWorkers } from './relay-between-workers.js';

const type = 'switchyard:key-change';

/** A worker's notice of a key change, as sent over the cluster's IPC channel. */
function keyIdOf(message: unknown): string | undefined {
  const notice = message as { type?: unknown; keyId?: unknown } | null;
  return notice?.type === type && typeof notice.keyId === 'string' ? notice.keyId : undefined;
}

/**
 * Primary: passes each worker's key change notice on to every other worker. SQLite has no
 * channel of its own, so without this a key revoked through one worker's admin API kept
 * working on the others until their one-second lookup cache expired. Call before the first fork.
 */
export function relayKeyChangesBetweenWorkers(): void {
  relayBetweenWorkers((message) => {
    const keyId = keyIdOf(message);
    return keyId === undefined ? undefined : { type, keyId };
  });
}

/**
 * Worker: key changes to and from the sibling workers, through the primary. The admin API
 * announcing on it has dropped its own worker's lookup first (the auth step does), so the
 * notice goes only to the others. A primary gone leaves the one-second cache as the bound.
 */
export class WorkerKeyChangeChannel implements KeyChangeChannel {
  readonly name = 'workers';
  private readonly stops = new Set<() => void>();

  publish(keyId: string): Promise<boolean> {
    if (!process.send || !process.connected) return Promise.resolve(false);
    return new Promise((resolve) => {
      process.send!({ type, keyId }, undefined, undefined, (error: Error | null) => resolve(error === null));
    });
  }

  subscribe(listener: KeyChangeListener): () => void {
    const onMessage = (message: unknown) => {
      const keyId = keyIdOf(message);
      if (keyId !== undefined) listener(parseKeyChange(keyId));
    };
    process.on('message', onMessage);
    const stop = () => {
      process.off('message', onMessage);
      this.stops.delete(stop);
    };
    this.stops.add(stop);
    return stop;
  }

  close(): Promise<void> {
    for (const stop of [...this.stops]) stop();
    return Promise.resolve();
  }
}
