import type { SessionChange, SessionSharing } from '@switchyard/dashboard';
import { relayBetweenWorkers } from './relay-between-workers.js';

const type = 'switchyard:dashboard-session';

/** A worker's session change, as sent over the cluster's IPC channel. */
function changeOf(message: unknown): SessionChange | undefined {
  const notice = message as { type?: unknown; change?: SessionChange } | null;
  return notice?.type === type && typeof notice.change?.id === 'string' ? notice.change : undefined;
}

/**
 * Primary: passes each worker's dashboard session change on to every other worker. The
 * round-robin hands each connection to any worker: a login held by one worker only was 401
 * `session_required` on the others, every other call of the page. Call before the first fork.
 */
export function relayDashboardSessionsBetweenWorkers(): void {
  relayBetweenWorkers((message) => {
    const change = changeOf(message);
    return change === undefined ? undefined : { type, change };
  });
}

/**
 * Worker: the dashboard's sessions shared with the sibling workers through the primary. A
 * worker forked later (a replacement) knows only the logins made after it started.
 */
export function dashboardSessionsBetweenWorkers(): SessionSharing {
  return {
    publish: (change) =>
      new Promise((resolve) => {
        if (!process.send || !process.connected) return resolve();
        // Handed to the channel before the answer goes: the primary relays it before it hands out another connection.
        process.send({ type, change }, undefined, undefined, () => resolve());
      }),
    subscribe: (listener) => {
      process.on('message', (message: unknown) => {
        const change = changeOf(message);
        if (change !== undefined) listener(change);
      });
    },
  };
}
