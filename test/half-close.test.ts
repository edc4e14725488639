import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// A client that sends its whole request and then shuts down its side of the connection (a FIN:
// `nc -N`, `socket.end()` after writing, an HTTP/1.0 client) was taken for one that had left:
// its request was aborted and it read no answer. One that says it sends no more (HTTP/1.0, or
// `Connection: close`) is answered now, whole or streamed.

let gateway: TestGateway;

beforeAll(async () => {
  // Served as `switchyard start` serves it (serverOptions + applyServerLimits).
  gateway = await startTestGateway({ providers: { mock: {} } }, { serverLimits: true });
});
afterAll(async () => {
  await gateway.close();
});

/** Writes `head` and `body` on a raw socket, half-closes it at once, and reads until the gateway closes. */
function sendThenHalfClose(head: string, body: string): Promise<string> {
  const url = new URL(gateway.origin);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.end(`${head}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
}

function chatHead(version: string, extra = ''): string {
  return [
    `POST /v1/chat/completions ${version}`,
    `host: ${new URL(gateway.origin).host}`,
    `authorization: Bearer ${masterKey}`,
    'content-type: application/json',
    ...(extra ? [extra] : []),
  ].join('\r\n');
}

/** A latency, so the FIN surely arrives before the answer is ready. */
const chatBody = (stream: boolean) =>
  JSON.stringify({ model: 'mock/echo', stream, messages: [{ role: 'user', content: 'half closed' }], provider_options: { mock: { latency_ms: 50 } } });

describe('a client that half-closes after its request', () => {
  it.each([
    ['HTTP/1.1 with Connection: close', 'HTTP/1.1', 'connection: close'],
    ['HTTP/1.0', 'HTTP/1.0', ''],
  ])('%s reads the whole answer', async (_name, version, extra) => {
    const answer = await sendThenHalfClose(chatHead(version, extra), chatBody(false));
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content).toContain('half closed');
  });

  it.each([
    ['HTTP/1.1 with Connection: close', 'HTTP/1.1', 'connection: close'],
    ['HTTP/1.0', 'HTTP/1.0', ''],
  ])('%s reads the whole stream', async (_name, version, extra) => {
    const answer = await sendThenHalfClose(chatHead(version, extra), chatBody(true));
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).toContain('half');
    expect(answer).toContain('data: [DONE]');
  });

  it('is refused in its own words when what it sent before the FIN is not a whole request', async () => {
    const answer = await sendThenHalfClose(chatHead('HTTP/1.1', 'connection: close').replace('content-type', 'content-length: 999\r\ncontent-type'), '{');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  });
});

describe('a client that closes a keep-alive connection before its answer', () => {
  it('is taken for gone and reads nothing, after half-closed ones were answered (nothing stays half-open)', async () => {
    await sendThenHalfClose(chatHead('HTTP/1.1', 'connection: close'), chatBody(false));
    const answer = await sendThenHalfClose(chatHead('HTTP/1.1'), chatBody(false));
    expect(answer).toBe('');
  });
});
