import dns from 'node:dns';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { refusedPort } from '@switchyard/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FailSoftRedis } from '../src/index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('FailSoftRedis', () => {
  it('against a closed port: waits for the first attempt only, fails commands fast, reports errors', async () => {
    const errors: Error[] = [];
    const redis = new FailSoftRedis({
      url: `redis://127.0.0.1:${await refusedPort()}`,
      connectionName: 'test',
      connectTimeoutMs: 300,
      onError: (error) => errors.push(error),
    });
    const started = performance.now();
    await redis.whenFirstConnected();
    // What this guards against is waiting on retries for good; the bound leaves a loaded machine room.
    expect(performance.now() - started).toBeLessThan(5000);
    expect(redis.reachable).toBe(false);
    await expect(redis.client.get('x')).rejects.toThrow();
    expect(errors.length).toBeGreaterThan(0);
    await redis.whenFirstConnected(); // resolves at once from now on
    await redis.close();
    await redis.close(); // harmless twice
  });

  it('close() on a connected Redis gone silent ends after the command timeout (QUIT unanswered), the socket dropped', async () => {
    const fake = await startFakeRedis();
    const redis = new FailSoftRedis({ url: fake.url, connectionName: 'test', commandTimeoutMs: 100, onError: () => {} });
    cleanups.push(() => fake.close());
    await redis.whenFirstConnected();
    expect(redis.reachable).toBe(true);
    fake.silent = true;
    await redis.close(); // would wait for ever on a QUIT nobody answers without the command timeout
    expect(fake.connections.at(-1)!.at(-1)).toEqual(['quit']);
    await expect.poll(() => redis.reachable).toBe(false); // once the dropped socket's 'close' has come through
  });

  it('a connected Redis that stops answering costs one command timeout, not one per command; once it answers, it is used again', async () => {
    const fake = await startFakeRedis();
    const errors: string[] = [];
    const redis = new FailSoftRedis({ url: fake.url, connectionName: 'test', commandTimeoutMs: 200, onError: (error) => errors.push(error.message) });
    cleanups.push(() => fake.close(), () => redis.close());
    await redis.whenFirstConnected();
    expect(await redis.client.get('before')).toBe('OK');

    fake.silent = true; // the socket stays open: ioredis still says 'ready'
    const outcomes: string[] = [];
    for (let index = 0; index < 10; index++) {
      outcomes.push(await redis.client.get(`silent-${index}`).then(() => 'answered', (error: Error) => error.message));
    }
    // The first command waited out its timeout and dropped the connection; every
    // later one failed at once, as while disconnected, and none went out.
    expect(outcomes[0]).toBe('Command timed out');
    expect(outcomes.filter((outcome) => outcome === 'Command timed out')).toHaveLength(1);
    expect(fake.work()).toEqual([['get', 'before'], ['get', 'silent-0']]);
    await expect.poll(() => redis.reachable).toBe(false); // once the socket's 'close' has come through
    expect(errors).toContain('Redis did not answer within 200 ms; reconnecting');

    // Reconnecting goes on in the background, and an attempt to a still-silent
    // Redis ends too (its CLIENT SETNAME times out) rather than hanging in the
    // ready check: a third connection means the second one was given up.
    await expect.poll(() => fake.connections.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect(await redis.client.get('while-reconnecting').then(() => 'answered', (error: Error) => error.message)).not.toBe('Command timed out');
    expect(fake.work()).toHaveLength(2);

    fake.silent = false;
    await expect.poll(() => redis.client.get('after').catch(() => 'failed'), { timeout: 10_000 }).toBe('OK');
    expect(redis.reachable).toBe(true);
    for (let index = 0; index < 5; index++) expect(await redis.client.get('after')).toBe('OK');
    // The timed-out command was not sent again on the new connection.
    expect(fake.work().filter(([, key]) => key === 'silent-0')).toHaveLength(1);
  });

  it('with a heartbeat, a connection that sends nothing (a subscriber) notices a peer gone silent: its PING times out, the connection is dropped and reopened', async () => {
    const fake = await startFakeRedis();
    const errors: string[] = [];
    const redis = new FailSoftRedis({ url: fake.url, connectionName: 'test', commandTimeoutMs: 100, heartbeatMs: 20, onError: (error) => errors.push(error.message) });
    cleanups.push(() => fake.close(), () => redis.close());
    await redis.whenFirstConnected();
    await expect.poll(() => fake.connections[0]!.filter(([name]) => name === 'ping').length).toBeGreaterThanOrEqual(2);

    fake.silent = true; // the socket stays open; nobody sends a command
    await expect.poll(() => fake.connections.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(errors).toContain('Redis did not answer within 100 ms; reconnecting');

    fake.silent = false;
    await expect.poll(() => redis.reachable, { timeout: 10_000 }).toBe(true);
  });

  it('a primary demoted by a failover (its open connection now answers writes READONLY) is left: the connection is reopened, to the new primary the address now names', async () => {
    const fake = await startFakeRedis();
    const redis = new FailSoftRedis({ url: fake.url, connectionName: 'test', onError: () => {} });
    cleanups.push(() => fake.close(), () => redis.close());
    await redis.whenFirstConnected();
    expect(await redis.client.set('before', '1')).toBe('OK');

    // The failover: the open connection's server is a replica now; a new connection reaches the new primary.
    fake.demoteOpenConnections();
    await expect(redis.client.set('during', '1')).rejects.toThrow(/^READONLY/);
    await expect.poll(() => redis.client.set('after', '1').catch((error: Error) => error.message), { timeout: 10_000 }).toBe('OK');
    expect(fake.connections).toHaveLength(2);
    // The write the replica refused was not sent again.
    expect(fake.work().filter(([, key]) => key === 'during')).toHaveLength(1);
  });

  it('a Redis whose every connection answers READONLY (the address still names the replica) is reconnected to at most once per 2 s, not once per write', async () => {
    vi.useFakeTimers({ toFake: ['Date'] }); // a held clock; the sockets' timers run as they do
    cleanups.push(async () => void vi.useRealTimers());
    const fake = await startFakeRedis();
    const redis = new FailSoftRedis({ url: fake.url, connectionName: 'test', onError: () => {} });
    cleanups.push(() => fake.close(), () => redis.close());
    await redis.whenFirstConnected();
    fake.readonly = true;
    await expect(redis.client.set('first', '1')).rejects.toThrow(/^READONLY/);
    await expect.poll(() => redis.client.status === 'ready' && fake.connections.length === 2, { timeout: 10_000 }).toBe(true);

    for (let index = 0; index < 10; index++) await expect(redis.client.set(`again-${index}`, '1')).rejects.toThrow(/^READONLY/);
    // Every write went out on the second connection: none was dropped for them.
    expect(fake.connections[1]!.filter(([name]) => name === 'set')).toHaveLength(10);

    vi.setSystemTime(Date.now() + 2000);
    await expect(redis.client.set('later', '1')).rejects.toThrow(/^READONLY/);
    await expect.poll(() => fake.connections.length, { timeout: 10_000 }).toBe(3);
  });

  it('a Redis that answers but refuses the work (READONLY; OOM, LOADING, MISCONF, BUSY alike) is not reachable until a command doing work succeeds; a PING does not count', async () => {
    const fake = await startFakeRedis();
    const redis = new FailSoftRedis({ url: fake.url, connectionName: 'test', onError: () => {} });
    cleanups.push(() => fake.close(), () => redis.close());
    await redis.whenFirstConnected();
    expect(redis.reachable).toBe(true);
    fake.readonly = true;
    await expect(redis.client.set('refused', '1')).rejects.toThrow(/^READONLY/);
    await expect.poll(() => redis.client.status === 'ready' && fake.connections.length === 2, { timeout: 10_000 }).toBe(true);
    // Before: reachable again as soon as the socket was, though every write was refused.
    expect({ reachable: redis.reachable, refusing: redis.refusing }).toEqual({ reachable: false, refusing: 'READONLY' });
    await redis.client.ping();
    expect(redis.reachable).toBe(false);
    fake.readonly = false;
    expect(await redis.client.set('done', '1')).toBe('OK');
    expect({ reachable: redis.reachable, refusing: redis.refusing }).toEqual({ reachable: true, refusing: undefined });
  });

  it('a Redis that refused the work and then went away is unreachable, not refusing: the first connection error ends the refusal', async () => {
    const fake = await startFakeRedis();
    const redis = new FailSoftRedis({ url: fake.url, connectionName: 'test', onError: () => {} });
    cleanups.push(() => redis.close());
    await redis.whenFirstConnected();
    fake.readonly = true;
    await expect(redis.client.set('refused', '1')).rejects.toThrow(/^READONLY/);
    await expect.poll(() => redis.client.status === 'ready' && fake.connections.length === 2, { timeout: 10_000 }).toBe(true);
    expect(redis.refusing).toBe('READONLY');
    await fake.close();
    await expect(redis.client.set('gone', '1')).rejects.toThrow();
    // Before: refusing: 'READONLY' for as long as no Redis answered at all (a rate limiter's 429 and its
    // warning said "refusing commands (READONLY)", /health refusing: "READONLY").
    await expect.poll(() => redis.refusing, { timeout: 5000 }).toBeUndefined();
    expect({ reachable: redis.reachable, refusing: redis.refusing }).toEqual({ reachable: false, refusing: undefined });
  });

  it('a host name whose DNS lookup never answers costs one lookup, not one per reconnect attempt; each attempt fails naming it', async () => {
    // A resolver that never answers: what a hung DNS server gives getaddrinfo, for as long as it retries.
    const lookup = vi.spyOn(dns, 'lookup').mockImplementation((() => undefined) as unknown as typeof dns.lookup);
    cleanups.push(async () => void lookup.mockRestore());
    const errors: string[] = [];
    const redis = new FailSoftRedis({ url: 'redis://cache.hung-resolver.test:6379', connectionName: 'test', connectTimeoutMs: 200, onError: (error) => errors.push(error.message) });
    cleanups.push(() => redis.close());
    await redis.whenFirstConnected();
    expect(redis.reachable).toBe(false);
    await expect(redis.client.get('x')).rejects.toThrow();
    // Four attempts, each given up on; the name was asked once, that lookup still running.
    await expect.poll(() => errors.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(4);
    expect(errors.slice(0, 4)).toEqual(Array(4).fill('the DNS lookup of cache.hung-resolver.test gave no answer within 100 ms'));
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, 0, -5, 1e12])('refuses a heartbeat of %s ms before opening a connection', (heartbeatMs) => {
    const errors: Error[] = [];
    expect(() => new FailSoftRedis({ url: 'redis://127.0.0.1:1', connectionName: 'test', heartbeatMs, onError: (error) => errors.push(error) })).toThrow(RangeError);
    expect(errors).toEqual([]);
  });
});

/** The commands a replica refuses in these tests. */
const writes = new Set(['set', 'evalsha', 'eval', 'del']);

/**
 * Just enough of a Redis to be connected to: every command is answered `+OK` (the
 * ready check's INFO too) until `silent` is set; then commands are read, recorded
 * and never answered, as in a network partition or a hung server, while the
 * socket stays open. Records every command per connection, in accept order.
 * A connection made a replica's (`readonly`, `demoteOpenConnections`) answers writes READONLY.
 */
async function startFakeRedis() {
  const connections: string[][][] = [];
  const sockets = new Set<Socket>();
  /** Connections whose server is now a replica: writes on them are answered READONLY. */
  const demoted = new Set<string[][]>();
  const fake = {
    silent: false,
    /** Every connection, new ones too, answers writes READONLY (a replica). */
    readonly: false,
    /** The connections open now answer writes READONLY from now on; new ones are a primary's. */
    demoteOpenConnections: () => connections.forEach((received) => demoted.add(received)),
    connections,
    /** The commands received so far other than a connection's setup (CLIENT …, INFO). */
    work: () => connections.flat().filter(([name]) => name !== 'client' && name !== 'info'),
    url: '',
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((socket) => {
    const received: string[][] = [];
    connections.push(received);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => {});
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (let command = takeCommand(); command; command = takeCommand()) {
        received.push(command);
        if (fake.silent) continue;
        const refused = (fake.readonly || demoted.has(received)) && writes.has(command[0]!);
        socket.write(refused ? "-READONLY You can't write against a read only replica.\r\n" : '+OK\r\n');
      }
    });
    /** One command (`*N` then N `$len` bulk strings) off the front of `pending`, once all of it is there. */
    function takeCommand(): string[] | undefined {
      const lines = pending.toString('latin1').split('\r\n');
      const count = Number(lines[0]!.slice(1));
      if (lines.length < 2 * count + 2) return undefined;
      const args = Array.from({ length: count }, (_, index) => lines[2 + 2 * index]!);
      pending = pending.subarray(Buffer.byteLength(lines.slice(0, 2 * count + 1).join('\r\n'), 'latin1') + 2);
      return [args[0]!.toLowerCase(), ...args.slice(1)];
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  fake.url = `redis://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
