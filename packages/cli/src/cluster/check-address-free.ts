import { createServer } from 'node:net';
import { listenFailure } from '../listen-failure.js';

/**
 * Binds the address once and lets it go, before any worker is forked. Each worker
 * would meet a taken port on its own and print the reason once per worker; the
 * primary says it once instead. (Taken between this check and the workers' listen,
 * the workers still report it.) Port 0 is probed too: a host that cannot be listened on
 * (a name that does not resolve, or is no name) is said once, with its exit code.
 */
export async function checkAddressFree(port: number, host: string): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error) => reject(listenFailure(error, host, port) ?? error));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
