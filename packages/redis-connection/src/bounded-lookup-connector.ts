import net from 'node:net';
import tls from 'node:tls';
import { lookupTimeoutFor, UpstreamLookup } from '@switchyard/core';
import type { AbstractConnector as Connector, RedisOptions } from 'ioredis';

type ConnectorOptions = Pick<RedisOptions, 'host' | 'port' | 'family' | 'path' | 'tls' | 'disconnectTimeout'>;

/**
 * One lookup at a time for every Redis connection of the process, nothing cached (a failover
 * that moves the name is seen by the next connection). Node resolves a name with getaddrinfo
 * on libuv's four threads (zlib, crypto and files use them too) and nothing ends one: while
 * the resolver hung, each reconnect attempt (every 2 s at most, per connection) left its lookup
 * running and the next asked again, until they held every thread.
 */
const sharedLookup = new UpstreamLookup({ cacheMs: 0, maxInFlight: 1 });

/**
 * An ioredis connector that opens its socket as ioredis's own StandaloneConnector does, but
 * resolves the host through the shared bounded lookup, each attempt waiting at most half of
 * `connectTimeoutMs` (the attempt then fails naming the lookup, and reconnects as any other).
 */
export function boundedLookupConnector(base: typeof Connector, connectTimeoutMs: number): new (options: unknown) => Connector {
  const lookup = sharedLookup.forConnect(lookupTimeoutFor(connectTimeoutMs));
  return class BoundedLookupConnector extends base {
    private readonly options: ConnectorOptions;

    constructor(options: unknown) {
      const given = options as ConnectorOptions;
      super(given.disconnectTimeout ?? 2000);
      this.options = given;
    }

    connect(): Promise<net.Socket> {
      const { host, port, family, path, tls: secure } = this.options;
      this.connecting = true;
      const where: net.NetConnectOpts = path ? { path } : { port: port ?? 6379, ...(host !== undefined && { host }), ...(family !== undefined && { family }), lookup };
      // As ioredis's connector: the socket is made on the next tick, unless disconnect() came first.
      return new Promise((resolve, reject) => {
        process.nextTick(() => {
          if (!this.connecting) return reject(new Error('Connection is closed.'));
          try {
            this.stream = secure ? tls.connect({ ...where, ...secure } as tls.ConnectionOptions) : net.createConnection(where);
          } catch (error) {
            return reject(error);
          }
          this.stream.once('error', (error: Error) => (this.firstError = error));
          resolve(this.stream as net.Socket);
        });
      });
    }
  };
}
