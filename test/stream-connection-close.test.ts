import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A client that sends `Connection: close` asks the server to close the connection
 * after the answer (RFC 9112 §9.6). Streams wrote `connection: keep-alive` themselves,
 * and Node keeps a connection open when the answer says so, whatever the client asked:
 * the client's socket stayed open until the keep-alive timeout. The gateway here keeps
 * idle connections ten minutes, so a connection held open shows as a test that never ends.
 */
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ server: { keep_alive_timeout_ms: 600_000 }, providers: { mock: { models: ['echo'] } } }, { serverLimits: true });
});
afterAll(() => gateway.close());

/**
 * One request on its own connection. `answered` resolves with the answer once its last
 * chunk came; `ended` when the server ended the connection.
 */
function send(path: string, body: string): { answered: Promise<string>; ended: Promise<void> } {
  const { hostname, port } = new URL(gateway.origin);
  const socket = connect(Number(port), hostname);
  const ended = new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('end', () => {
      socket.destroy();
      resolve();
    });
  });
  const answered = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      // A chunked body ends with its zero-length chunk.
      if (text.endsWith('\r\n0\r\n\r\n')) resolve(text);
    });
    socket.write(
      [
        `POST ${path} HTTP/1.1`,
        'host: gateway',
        'connection: close',
        `authorization: Bearer ${masterKey}`,
        'anthropic-version: 2023-06-01',
        'content-type: application/json',
        `content-length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n'),
    );
  });
  // Awaited after the answer: a reset before then is reported there, not as an unhandled rejection.
  ended.catch(() => undefined);
  return { answered, ended };
}

const streams = [
  ['/v1/chat/completions', { model: 'mock/echo', stream: true, messages: [{ role: 'user', content: 'hi' }] }, 'data: [DONE]'],
  ['/v1/messages', { model: 'mock/echo', stream: true, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }, 'event: message_stop'],
  ['/v1/responses', { model: 'mock/echo', stream: true, input: 'hi' }, 'event: response.completed'],
] as const;

describe('a stream asked for with Connection: close', () => {
  it.each(streams)('%s: the answer says close and the server closes the connection after the stream', async (path, body, lastEvent) => {
    const { answered, ended } = send(path, JSON.stringify(body));
    const text = await answered;
    const head = text.slice(0, text.indexOf('\r\n\r\n')).toLowerCase();
    expect(head).toMatch(/^http\/1\.1 200 /);
    expect(head).toContain('content-type: text/event-stream');
    expect(head).toContain('\r\nconnection: close');
    expect(head).not.toContain('keep-alive');
    expect(text).toContain(lastEvent);
    await ended;
  });
});
