import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { createLogger } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresKeyChangeChannel } from '../src/postgres-key-change-channel.js';

const channel = 'switchyard_keys_silent';
const sockets = new Set<Socket>();
let server: Server | undefined;

/** One backend message: a type byte, then its length (counting itself) and body. */
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const int32 = (value: number) => Buffer.from([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]);
const text = (value: string) => Buffer.from(`${value}\0`, 'utf8');

/**
 * A PostgreSQL that logs the client in, answers its LISTEN and sends one notice, then
 * goes silent for good: it reads everything (the client's Terminate too) and neither
 * answers nor closes its side, as a partitioned or hung server does.
 */
async function silentPostgres(): Promise<number> {
  // allowHalfOpen: the client's FIN is not answered with one, as by a server that is gone.
  server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    let seen = 0;
    socket.on('data', () => {
      seen++;
      if (seen === 1) socket.write(Buffer.concat([message('R', int32(0)), message('Z', Buffer.from('I'))]));
      if (seen === 2) {
        socket.write(
          Buffer.concat([
            message('C', text('LISTEN')),
            message('Z', Buffer.from('I')),
            message('A', Buffer.concat([int32(1), text(channel), text('key_silent')])),
          ]),
        );
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  server?.close();
  if (server) await once(server, 'close');
  server = undefined;
});

/** A key-change channel listening on the fake server at `port`, seeing a connection off within 100 ms. */
function listeningOn(port: number, check?: { intervalMs: number; timeoutMs: number }): PostgresKeyChangeChannel {
  return new PostgresKeyChangeChannel({
    channel,
    logger: createLogger({ level: 'silent' }),
    closeTimeoutMs: 100,
    ...(check && { check }),
    connect: () => new pg.Client({ host: '127.0.0.1', port, user: 'switchyard', database: 'switchyard' }),
  });
}

describe('the LISTEN connection when PostgreSQL goes silent', () => {
  it('close() drops the connection after closeTimeoutMs instead of waiting for ever on the silent peer', async () => {
    const keyChanges = listeningOn(await silentPostgres());
    const heard = new Promise((resolve) => keyChanges.subscribe(resolve));
    // The notice comes after LISTEN's answer: the connection is idle, listening.
    expect(await heard).toEqual({ keyId: 'key_silent' });
    const [socket] = sockets;
    const seenOff = once(socket!, 'end');
    // Before, this waited for ever: pg's end() waits for the server to close its side.
    await keyChanges.close();
    await seenOff;
    expect(socket!.readableEnded).toBe(true);
  });

  it('with its SELECT 1 unanswered, the listening connection is given up and a new one listens (every cached lookup dropped)', async () => {
    const keyChanges = listeningOn(await silentPostgres(), { intervalMs: 20, timeoutMs: 100 });
    try {
      const everything = new Promise((resolve) => keyChanges.subscribe((change) => 'everything' in change && resolve(change)));
      // Only a reconnection says "everything": the silent server never closes the first connection.
      expect(await everything).toEqual({ everything: true });
      expect(sockets.size).toBeGreaterThanOrEqual(2);
    } finally {
      await keyChanges.close();
    }
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, 0, -1])('refuses a check every %s ms before connecting', (intervalMs) => {
    let connected = false;
    const create = () =>
      new PostgresKeyChangeChannel({
        channel,
        logger: createLogger({ level: 'silent' }),
        check: { intervalMs, timeoutMs: 100 },
        connect: () => {
          connected = true;
          return new pg.Client({});
        },
      });
    expect(create).toThrow(RangeError);
    expect(connected).toBe(false);
  });
});
