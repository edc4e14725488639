import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builtInPlugins, createStandaloneApp } from '@switchyard/cli';
import { applyServerLimits, createGateway, createLogger, serverOptions, type Gateway } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A request whose headers parse but whose chunked body does not (a chunk size that is no
 * hex number): Node's parser reports it while the gateway waits for the rest of the body.
 * It is answered with 400 malformed_request and its connection closed, as a request line
 * that is not HTTP is (server-limits.test.ts), and well before request_timeout (set long
 * here, so only the answer can end the wait). Before, no answer came and the connection
 * stayed open past request_timeout, the request counted in flight all along.
 */
const masterKey = 'sy-master-malformed-body-0123456789';
let gateway: Gateway;
let server: Server;
let port: number;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-malformed-body-'));
  const logger = createLogger({ level: 'silent' });
  gateway = await createGateway(
    { master_key: masterKey, server: { data_dir: dataDir, headers_timeout_ms: 60_000, request_timeout_ms: 300_000 }, storage: { use: 'sqlite' }, providers: { mock: {} } },
    { plugins: builtInPlugins, logger },
  );
  const config = gateway.runtime.config;
  server = applyServerLimits(createServer(serverOptions(config), createStandaloneApp(gateway, masterKey, logger)), config);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await gateway?.close({ drainTimeoutMs: 0 });
  server?.closeAllConnections();
  server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Writes `text` on a new connection; resolves with all it received once the server closes it. */
async function exchange(text: string): Promise<string> {
  const socket: Socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => {}); // a reset after the answer is still a close
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  socket.write(text);
  return closed;
}

/** Each HTTP response in `text`, in order: status and JSON body. */
function responses(text: string): Array<{ status: number; body: Record<string, unknown> }> {
  const found: Array<{ status: number; body: Record<string, unknown> }> = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    const head = rest.slice(0, end);
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1]);
    found.push({ status: Number(head.split(' ')[1]), body: JSON.parse(rest.slice(end + 4, end + 4 + length)) as Record<string, unknown> });
    rest = rest.slice(end + 4 + length);
  }
  return found;
}

const chat = JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });
const head = (route: string) => `POST ${route} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${masterKey}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`;
const bodies: Array<[string, string]> = [
  ['a first chunk size that is no number', `ZZ\r\n${chat}\r\n0\r\n\r\n`],
  ['a bad chunk size after a good chunk', `5\r\n${chat.slice(0, 5)}\r\nZZ\r\n`],
  ['a chunk longer than its size', `5\r\n${chat}\r\n0\r\n\r\n`],
];

describe('a chunked body the parser refuses', () => {
  for (const route of ['/v1/chat/completions', '/v1/messages', '/v1/responses', '/v1/embeddings', '/admin/keys']) {
    it.each(bodies)(`${route}, %s → 400 malformed_request, connection closed`, async (_name, body) => {
      const answers = responses(await exchange(head(route) + body));
      expect(answers.map((answer) => answer.status)).toEqual([400]);
      expect(answers[0]!.body).toMatchObject({ error: { code: 'malformed_request', type: 'invalid_request_error' } });
    });
  }

  it('pipelined behind a good request: the first answered in full, then 400 malformed_request', async () => {
    const good = `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${masterKey}\r\ncontent-type: application/json\r\ncontent-length: ${chat.length}\r\n\r\n${chat}`;
    const answers = responses(await exchange(good + head('/v1/chat/completions') + `ZZ\r\n${chat}\r\n0\r\n\r\n`));
    expect(answers.map((answer) => answer.status)).toEqual([200, 400]);
    expect((answers[0]!.body as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('hi');
    expect(answers[1]!.body).toMatchObject({ error: { code: 'malformed_request' } });
  });

  it('leaves nothing in flight, and the gateway still answers', async () => {
    await exchange(head('/v1/chat/completions') + `ZZ\r\n${chat}\r\n0\r\n\r\n`);
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' }, body: chat });
    expect(response.status).toBe(200);
    // The refused request ends once its socket closes on the server's side, which the client may see first:
    // looked at until it has (an in-flight request that never ends fails the test by its timeout).
    const inFlight = async (): Promise<number> => {
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const line = metrics.split('\n').find((text) => text.startsWith('switchyard_requests_in_flight'));
      expect(line, 'the in-flight gauge').toBeDefined();
      return Number(line!.slice(line!.lastIndexOf(' ') + 1));
    };
    while ((await inFlight()) !== 0) await new Promise((resolve) => setTimeout(resolve, 20));
  });
});
