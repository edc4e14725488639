import { EventEmitter } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { portOutsideEphemeralRange } from './port-outside-ephemeral-range.js';

/**
 * - `pass`: every byte is forwarded.
 * - `refuse`: nothing listens on the port (connections are refused); open ones are reset.
 * - `blackhole`: connections are accepted and never answered; open ones stop forwarding.
 *   What clients send meanwhile is read and dropped, and kept for {@link TcpRelay.swallowed}.
 */
export type RelayMode = 'pass' | 'refuse' | 'blackhole';

/**
 * A TCP relay in front of a server (PostgreSQL, Redis) that a test can break the
 * ways a network does. Emits `'traffic'` whenever bytes come back from the server,
 * so a test can act while calls are in flight without sleeping, and `'swallowed'`
 * whenever bytes from a client are dropped by the blackhole.
 */
export interface TcpRelay extends EventEmitter {
  /** The port the relay listens on (kept across `refuse`). */
  readonly port: number;
  readonly mode: RelayMode;
  /** `url` with its host and port replaced by the relay's. */
  urlFor(url: string): string;
  setMode(mode: RelayMode): Promise<void>;
  /**
   * What clients sent while blackholed (never forwarded), one entry per connection
   * that sent any, numbered in the order the relay accepted them (the first is 1).
   * Lets a test count what reached the wire instead of timing it.
   */
  swallowed(): Array<{ connection: number; bytes: Buffer }>;
  /**
   * How many client connections are open through the relay now. Counts only this relay's
   * clients, unlike the server's own client list, which other test files share.
   */
  openConnections(): number;
  /** Resets (TCP RST) every open connection, as a restarting server or a dropping proxy does; returns how many. */
  resetAll(): number;
  /**
   * Forgets every open connection, as a proxy or NAT that dropped idle connections without a
   * word does: the server's side is closed, the client hears nothing until it next sends, and
   * is then reset. Returns how many.
   */
  forgetAll(): number;
  close(): Promise<void>;
}

interface Pair {
  /** 1, 2, … in the order the relay accepted them. */
  id: number;
  client: Socket;
  upstream?: Socket;
}

/** Starts a relay on a free loopback port outside the ephemeral range, forwarding to `target`. */
export async function startTcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  const pairs = new Set<Pair>();
  const events = new EventEmitter();
  let mode: RelayMode = 'pass';
  let port = 0;
  let accepted = 0;
  const swallowed = new Map<number, Buffer[]>();
  const swallow = (pair: Pair) => {
    const chunks = swallowed.get(pair.id) ?? [];
    swallowed.set(pair.id, chunks);
    // resume(): a socket that was unpiped stays paused with a 'data' listener alone.
    pair.client.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      events.emit('swallowed');
    }).resume();
  };

  const server: Server = createServer((client) => {
    const pair: Pair = { id: ++accepted, client };
    pairs.add(pair);
    client.on('error', () => {});
    client.on('close', () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    if (mode === 'blackhole') {
      swallow(pair); // accepted, never answered
      return;
    }
    const upstream = createConnection(target.port, target.host);
    pair.upstream = upstream;
    upstream.on('error', () => {});
    upstream.on('close', () => client.destroy());
    upstream.on('data', () => events.emit('traffic'));
    client.pipe(upstream).pipe(client);
  });
  const listen = () => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Outside the ephemeral range: `refuse` closes the port and listens on it again later, and a
  // port from listen(0) could meanwhile be handed to a test file running in parallel.
  for (let tries = 0; ; tries++) {
    port = await portOutsideEphemeralRange();
    try {
      await listen();
      break;
    } catch (error) {
      // Taken between the check and the listen (another relay drew the same port): draw again.
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || tries >= 10) throw error;
    }
  }

  const reset = (pair: Pair) => {
    pair.client.resetAndDestroy();
    pair.upstream?.destroy();
  };

  return Object.assign(events, {
    port,
    get mode() {
      return mode;
    },
    urlFor(url: string) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    async setMode(next: RelayMode) {
      const previous = mode;
      mode = next;
      if (next === previous) return;
      if (previous === 'refuse') await listen();
      if (previous === 'blackhole') for (const pair of pairs) reset(pair); // half-frozen conversations cannot resume
      if (next === 'refuse') {
        for (const pair of pairs) reset(pair);
        await new Promise<void>((resolve) => server.close(() => resolve()));
      } else if (next === 'blackhole') {
        for (const pair of pairs) {
          if (!pair.upstream) continue;
          pair.client.unpipe(pair.upstream);
          pair.upstream.unpipe(pair.client);
          pair.upstream.pause();
          swallow(pair);
        }
      }
    },
    swallowed() {
      return [...swallowed]
        .filter(([, chunks]) => chunks.length > 0)
        .sort(([a], [b]) => a - b)
        .map(([connection, chunks]) => ({ connection, bytes: Buffer.concat(chunks) }));
    },
    openConnections() {
      return pairs.size;
    },
    resetAll() {
      const count = pairs.size;
      for (const pair of pairs) reset(pair);
      return count;
    },
    forgetAll() {
      const count = pairs.size;
      for (const pair of pairs) {
        const { client, upstream } = pair;
        if (upstream) {
          client.unpipe(upstream);
          upstream.unpipe(client);
          // Its close would close the client's side too: the client must not hear of it.
          upstream.removeAllListeners('close');
          upstream.destroy();
          pair.upstream = undefined;
        }
        // resume(): a socket that was unpiped stays paused with a 'data' listener alone.
        client.on('data', () => client.resetAndDestroy()).resume();
      }
      return count;
    },
    async close() {
      for (const pair of pairs) reset(pair);
      if (mode !== 'refuse') await new Promise<void>((resolve) => server.close(() => resolve()));
      mode = 'refuse';
    },
  }) as TcpRelay;
}
