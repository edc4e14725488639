import { connect } from 'node:net';
import { redactSecrets } from '@switchyard/core/redact-secrets';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A client's `x-request-id` is echoed as `x-client-request-id` and logged beside the
 * gateway's own id. Sent as raw bytes (obs-text, tabs, quotes, thousands of characters,
 * twice), it never turns into a 500 and is echoed or logged only when it is a plain id
 * (letters, digits, `_.:-`, at most 128) holding no key: a header value Node writes, a log
 * field that is one line (test/client-request-id-key.test.ts: ids that hold a key).
 */

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ providers: { mock: { models: ['echo'] } }, log: { level: 'info' } }, { serverLimits: true });
});
afterAll(async () => {
  await gateway?.close();
});

interface RawAnswer {
  status: number;
  headers: Map<string, string>;
}

/** One request over a socket of its own, its header values sent as the bytes given (latin1). */
function send(path: string, requestIds: string[], body: string): Promise<RawAnswer> {
  const { port } = new URL(gateway.origin);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.slice(0, text.indexOf('\r\n\r\n'));
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = new Map<string, string>();
      for (const line of lines) headers.set(line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim());
      resolve({ status: Number(statusLine!.split(' ')[1]), headers });
    });
    const head = [
      `POST ${path} HTTP/1.1`,
      'host: 127.0.0.1',
      `authorization: Bearer ${masterKey}`,
      'content-type: application/json',
      `content-length: ${Buffer.byteLength(body)}`,
      'connection: close',
      ...requestIds.map((id) => `x-request-id: ${id}`),
    ].join('\r\n');
    socket.end(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), Buffer.from(body)]));
  });
}

const plainId = /^[\w.:-]{1,128}$/;
/** A header value as the parser hands it on: without the spaces and tabs around it (HTTP's OWS; not String#trim, which takes 0xA0 too). */
const withoutOws = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, '');
/** Bytes a header value may carry on the wire (Node's parser refuses CR, LF and NUL). */
const valueByte = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09));
const requestId = fc.oneof(
  fc.stringMatching(/^[\w.:-]{1,140}$/),
  fc.array(valueByte, { minLength: 1, maxLength: 300 }).map((bytes) => String.fromCharCode(...bytes)),
  fc.constantFrom('a'.repeat(128), 'a'.repeat(129), 'x'.repeat(8000), 'id\u00e9', 'id"quoted"', 'id\tafter-tab', '\u00ff\u00fe'),
);
const routes: Array<[string, string]> = [
  ['/v1/chat/completions', JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] })],
  ['/v1/messages', JSON.stringify({ model: 'mock/echo', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })],
  ['/v1/chat/completions', '{"model":'],
  ['/v1/nowhere', '{}'],
];

describe('a client x-request-id of any bytes', () => {
  it('a no-break space (byte 0xA0) before a plain id is part of the value, not whitespace HTTP trims: not echoed', async () => {
    // JavaScript's trim() takes U+00A0 for whitespace; HTTP trims only spaces and tabs (OWS).
    const [path, body] = routes[0]!;
    expect((await send(path, [' \tA\t '], body)).headers.get('x-client-request-id')).toBe('A');
    const answer = await send(path, ['\u00a0A'], body);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-client-request-id')).toBeUndefined();
  });

  it('is echoed and logged only when it is a plain id, and never answered with a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(requestId, { minLength: 1, maxLength: 2 }), fc.constantFrom(...routes), async (ids, [path, body]) => {
        const logged = gateway.logLines.length;
        const answer = await send(path, ids, body);
        expect(answer.status).toBeGreaterThanOrEqual(200);
        expect(answer.status).toBeLessThan(500);
        expect(answer.headers.get('x-request-id')).toMatch(/^[\w-]{1,64}$/);
        const sent = ids.length === 1 ? withoutOws(ids[0]!) : undefined;
        const echoed = answer.headers.get('x-client-request-id');
        if (sent !== undefined && plainId.test(sent) && redactSecrets(sent) === sent) expect(echoed).toBe(sent);
        else expect(echoed).toBeUndefined();
        for (const line of gateway.logLines.slice(logged)) {
          const fields = JSON.parse(line) as { clientRequestId?: unknown };
          if (fields.clientRequestId !== undefined) expect(fields.clientRequestId).toMatch(plainId);
        }
      }),
      { seed: 20261206, numRuns: 120 },
    );
  });
});
