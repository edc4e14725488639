import type pg from 'pg';

/**
 * Resolves once the client's socket has closed, destroying it first if that takes longer
 * than `timeoutMs`. For a client whose end() was called already (pg-pool ends its clients
 * itself): pg sends Terminate, half-closes and waits for the server to close its side. A
 * silent server (a hung host, a partition) never does, and the open socket held the event
 * loop, so `switchyard start` never exited after "stopped".
 */
export function dropUnlessClosed(client: pg.Client, timeoutMs: number): Promise<void> {
  const stream = (client as unknown as { connection: { stream: NodeJS.ReadableStream & { destroyed: boolean; destroy(): void } } }).connection.stream;
  if (stream.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      stream.destroy();
      resolve();
    }, timeoutMs);
    stream.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
