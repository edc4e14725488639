import pg from 'pg';
import { dropUnlessClosed } from './drop-unless-closed.js';
import { isConnectionLost } from './is-postgres-outage.js';

/**
 * Runs `write` on `pool`; when the connection it was handed proved gone (isConnectionLost:
 * reset, closed under it, ended by a restarting server), runs it once more on a connection
 * opened for it alone. pg-pool hands out an idle connection without checking it, and after a
 * server restart or a proxy cutting idle connections every idle one may be dead: another from
 * the pool could be too. The new connection has the pool's settings and timeouts, so the
 * second try is bounded as one call is (connect_timeout_ms to open it, query_timeout_ms for
 * its statement or transaction). Never after a timeout or a refusal: then the database is the
 * trouble, not the connection.
 *
 * Only for writes that count once however often they run (each caller says why), and for
 * others when `mayRunAgain(error)` says this one cannot have taken effect. A store that is
 * closing does not try again.
 */
export async function onceMoreOnNewConnection<T>(pool: pg.Pool, write: (pool: pg.Pool) => Promise<T>, mayRunAgain: (error: unknown) => boolean = () => true): Promise<T> {
  try {
    return await write(pool);
  } catch (error) {
    if (!isConnectionLost(error) || pool.ending || !mayRunAgain(error)) throw error;
    const single = new pg.Pool({ ...pool.options, max: 1 });
    const opened = new Set<pg.Client>();
    // Its failures are the call's, thrown to its caller: a broken connection is only not to crash the process.
    single.on('error', () => undefined);
    single.on('connect', (client) => {
      client.on('error', () => undefined);
      opened.add(client);
    });
    try {
      return await write(single);
    } finally {
      // Not waited for: a server that stays silent has the connection dropped, as close() does.
      void single.end().catch(() => undefined);
      for (const client of opened) void dropUnlessClosed(client, closeWaitMs(pool));
    }
  }
}

/** How long a connection's close may wait for a silent server: the pool's connect wait. */
function closeWaitMs(pool: pg.Pool): number {
  const wait = pool.options.connectionTimeoutMillis;
  return typeof wait === 'number' && wait > 0 ? wait : 2000;
}
