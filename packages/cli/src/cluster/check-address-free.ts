import { createServer } from 'node:net';
import { listenFailure } from '../listen-failure.js';

/**
 * Binds the address once and lets it go, before any worker is forked. Each worker
 * would meet a taken port on its own and print the reason once per worker; the
 * primary says it once instead. (Taken between this check and the workers' listen,
 * the workers still report it.)
 */
export async function checkAddressFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error) => reject(listenFailure(error, host, port) ?? error));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
