import { setTimeout as sleep } from 'node:timers/promises';

/** Waits, unless the request is cancelled first (then rejects with the abort reason). */
export async function abortableDelay(ms: number | undefined, signal: AbortSignal): Promise<void> {
  if (!ms) {
    signal.throwIfAborted();
    return;
  }
  await sleep(ms, undefined, { signal });
}
