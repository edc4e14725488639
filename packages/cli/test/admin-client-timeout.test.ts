import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { callAdmin } from '../src/admin-client.js';
import { CliError } from '../src/cli-error.js';

const masterKey = 'sy-master-cli-timeout-test-0123456789';
const sockets = new Set<Socket>();
let server: Server | undefined;

/** A peer that takes the connection and reads the request, then answers `reply` (or nothing) and never more. */
async function silentPeer(reply: string): Promise<string> {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.once('data', () => {
      if (reply) socket.write(reply);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  server?.close();
  if (server) await once(server, 'close');
  server = undefined;
});

describe('the CLI admin client against a gateway that never answers', () => {
  it.each([
    ['sends no headers', ''],
    ['sends headers, then never the body', 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"da'],
  ])('%s: one CliError saying no answer came within the timeout, never the key', async (_name, reply) => {
    const url = await silentPeer(reply);
    const failure = await callAdmin({ url, masterKey, timeoutMs: 200 }, 'GET', '/keys').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as CliError).exitCode).toBe(1);
    expect((failure as CliError).message).toBe(`the gateway at ${url} gave no answer within 0.2 s: is it overloaded or stuck? Set --url or SWITCHYARD_URL if that is not it.`);
    expect((failure as CliError).message).not.toContain(masterKey);
  });
});
