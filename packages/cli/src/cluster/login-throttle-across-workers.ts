import cluster from 'node:cluster';
import { LoginThrottle, type LoginLimiter, type LoginTry } from '@switchyard/dashboard';
import { askPrimary, type IpcMessage } from './ask-primary.js';

const begin = 'switchyard:dashboard-login-begin';
const begun = 'switchyard:dashboard-login-begun';
const end = 'switchyard:dashboard-login-end';
const answerTimeoutMs = 5_000;
/** Longer than any address a worker reads (an IPv6 address with a zone id is under 64). */
const maxAddressLength = 256;

/**
 * Primary: counts every worker's dashboard logins in one throttle. Each worker counting its
 * own gave a password guesser N times the tries, the round-robin spreading its connections
 * over the workers. A worker asks before each login; the primary checks and counts the try
 * at once (as the single throttle does), so tries sent together to several workers cannot
 * all pass. A worker that exits ends its tries still open. Call before the first fork.
 */
export function countDashboardLoginsInPrimary(): void {
  const throttle = new LoginThrottle();
  // By worker id and the worker's own number for the try.
  const open = new Map<string, LoginTry>();
  const endTry = (key: string, failed: boolean) => {
    open.get(key)?.end(failed);
    open.delete(key);
  };
  cluster.on('message', (worker, message: unknown) => {
    const received = message as IpcMessage | null;
    if ((received?.type !== begin && received?.type !== end) || typeof received.attempt !== 'number') return;
    const key = `${worker.id}:${received.attempt}`;
    if (received.type === end) return endTry(key, received['failed'] === true);
    const { address } = received;
    const attempt = typeof address === 'string' && address.length <= maxAddressLength ? throttle.begin(address) : undefined;
    if (attempt) open.set(key, attempt);
    if (worker.isConnected()) worker.send({ type: begun, id: received.id, allowed: attempt !== undefined }, () => undefined);
  });
  cluster.on('exit', (worker) => {
    for (const key of [...open.keys()]) if (key.startsWith(`${worker.id}:`)) endTry(key, false);
  });
}

/**
 * Worker: the dashboard's login throttle, counted in the primary for every worker. Should
 * the primary not answer within 5 s, the try is counted in this worker's own throttle
 * instead (the limit then holds per worker, as it did before).
 */
export function loginThrottleAcrossWorkers(): LoginLimiter {
  const local = new LoginThrottle();
  let lastAttempt = 0;
  const tell = (attempt: number, failed: boolean) => {
    if (process.send && process.connected) process.send({ type: end, attempt, failed }, undefined, undefined, () => undefined);
  };
  return {
    async begin(address) {
      const attempt = ++lastAttempt;
      let allowed: boolean;
      try {
        const answer = await askPrimary(begin, begun, answerTimeoutMs, ({ detail }) => new Error(detail), { address, attempt });
        allowed = answer['allowed'] === true;
      } catch {
        // An answer that comes late is let go: the primary ends the try it counted.
        tell(attempt, false);
        return local.begin(address);
      }
      return allowed ? { end: (failed) => tell(attempt, failed) } : undefined;
    },
  };
}
