import net from 'node:net';
import { lookupTimeoutFor, UpstreamLookup } from '@switchyard/core';

/**
 * The sockets pg opens for one storage, resolving its host name through one bounded lookup.
 * Node resolves a name with getaddrinfo on libuv's four threads (zlib, crypto and files use
 * them too), and nothing ends one: while the resolver hung, each connection the pool tried
 * (given up after connect_timeout_ms) left its lookup running and the next asked again, until
 * they held every thread. Here at most one lookup runs at a time, the connections tried
 * meanwhile share it, and each waits at most half of `connectTimeoutMs` (pg's own timeout then
 * names the lookup, not only `timeout expired`). Nothing is cached: a failover that moves the
 * name is seen by the next connection, as before.
 */
export function boundedLookupSocket(connectTimeoutMs: number): () => net.Socket {
  const lookup = new UpstreamLookup({ cacheMs: 0, maxInFlight: 1 }).forConnect(lookupTimeoutFor(connectTimeoutMs));
  return () => {
    const socket = new net.Socket();
    const connect = socket.connect.bind(socket) as (...args: unknown[]) => net.Socket;
    // pg calls connect(port, host), or connect(path) for a Unix socket, which needs no lookup.
    socket.connect = ((port: number | string, host?: string) =>
      host === undefined ? connect(port) : connect({ port: Number(port), host, lookup })) as typeof socket.connect;
    return socket;
  };
}
