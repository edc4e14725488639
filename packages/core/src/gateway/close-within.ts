import type { Logger } from '../logging/create-logger.js';

/**
 * Runs one part of the gateway's close (a plugin's close hook, the storage's close) for at most
 * `timeoutMs`. One that never settles would hang the embedding app's shutdown for good; one that
 * throws would skip every part after it (the last usage flush, the stores). Either is logged in
 * one line naming the part, and the close goes on with the rest. Resolves whether it closed.
 */
export async function closeWithin(part: Record<string, string>, timeoutMs: number, logger: Logger, close: () => Promise<void> | void): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  // Not unref'd: the close under way holds the process until it is over or given up.
  const gaveUp = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const closing = (async () => close())();
  try {
    const outcome = await Promise.race([closing, gaveUp]);
    if (outcome !== 'timeout') return true;
    // It may still settle (or fail) later: nothing waits for it any more.
    closing.catch(() => undefined);
    logger.error({ ...part, timeoutMs }, `${describePart(part)} did not close within ${timeoutMs} ms: left behind, closing the rest`);
    return false;
  } catch (error) {
    logger.error({ ...part, err: error }, `${describePart(part)} failed to close: closing the rest`);
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function describePart(part: Record<string, string>): string {
  return Object.entries(part)
    .map(([kind, name]) => `${kind} ${name}`)
    .join(' ');
}
