import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * What a client writes in headers, paths and query strings of the model routes, sent
 * raw (repeated headers, values fetch would not send): each answered with the right
 * status, and none of it echoed back at length.
 */
let gateway: TestGateway;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-hostile-headers-'));
  // Storage, so the admin API and the dashboard are served too.
  gateway = await startTestGateway({ server: { data_dir: dataDir }, storage: { use: 'sqlite' }, providers: { mock: { models: ['echo'] } } }, { serverLimits: true });
});
afterAll(async () => {
  await gateway.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  head: string;
  text: string;
}

/** One request on its own connection, headers written exactly as given (a name may repeat); `framedBody` is written as it is, with no content-length. */
function send(method: string, path: string, headers: Array<[string, string]>, body?: string, framedBody?: Buffer): Promise<Answer> {
  const { hostname, port } = new URL(gateway.origin);
  const lines = [`${method} ${path} HTTP/1.1`, 'host: gateway', 'connection: close', ...headers.map(([name, value]) => `${name}: ${value}`)];
  if (body !== undefined) lines.push(`content-length: ${Buffer.byteLength(body)}`);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    // The server closes after its answer (connection: close); a client that half-closed first could be cut off before it.
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      resolve({ status: Number(text.split(' ')[1]), head: text.slice(0, end), text: text.slice(end + 4) });
    });
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body ?? ''}`);
    if (framedBody) socket.write(framedBody);
  });
}

const auth: [string, string] = ['authorization', `Bearer ${masterKey}`];
const chat = JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });

function errorOf(answer: Answer): { message: string; code: string; type: string; param: unknown } {
  return (JSON.parse(answer.text) as { error: { message: string; code: string; type: string; param: unknown } }).error;
}

describe('content-encoding on a model call', () => {
  it.each([['IDENTITY'], ['identity, identity'], [' Identity ']])('%j is a body sent as it is: served', async (encoding) => {
    const answer = await send('POST', '/v1/chat/completions', [auth, ['content-encoding', encoding]], chat);
    expect(answer.status).toBe(200);
  });

  it('a repeated content-encoding header, identity both times: served', async () => {
    const answer = await send('POST', '/v1/chat/completions', [auth, ['content-encoding', 'identity'], ['content-encoding', 'identity']], chat);
    expect(answer.status).toBe(200);
  });

  it('gzip → 415 naming it', async () => {
    const answer = await send('POST', '/v1/chat/completions', [auth, ['content-encoding', 'gzip']], chat);
    expect(answer.status).toBe(415);
    expect(errorOf(answer)).toMatchObject({ code: 'unsupported_media_type', message: expect.stringContaining("'gzip'") });
  });

  // Node's parser takes `gzip, chunked` and removes the chunking only: the gzip bytes were
  // read as JSON, 400 invalid_json, where the same body under content-encoding is a clear 415.
  it.each([['gzip, chunked'], ['deflate, chunked']])('transfer-encoding %j → 415 naming the coding', async (codings) => {
    const compressed = (codings.startsWith('gzip') ? gzipSync : deflateSync)(chat);
    const framed = Buffer.concat([Buffer.from(`${compressed.length.toString(16)}\r\n`), compressed, Buffer.from('\r\n0\r\n\r\n')]);
    const answer = await send('POST', '/v1/chat/completions', [auth, ['content-type', 'application/json'], ['transfer-encoding', codings]], undefined, framed);
    expect(answer.status).toBe(415);
    expect(errorOf(answer)).toMatchObject({ code: 'unsupported_media_type', message: expect.stringContaining(`transfer-encoding '${codings.split(',')[0]}'`) });
  });

  it('transfer-encoding chunked alone is a plain body: served', async () => {
    const framed = Buffer.from(`${Buffer.byteLength(chat).toString(16)}\r\n${chat}\r\n0\r\n\r\n`);
    const answer = await send('POST', '/v1/chat/completions', [auth, ['content-type', 'application/json'], ['transfer-encoding', 'Chunked']], undefined, framed);
    expect(answer.status).toBe(200);
  });

  it('a 12,000-character content-encoding → 415 that does not echo it', async () => {
    const answer = await send('POST', '/v1/chat/completions', [auth, ['content-encoding', `identity, ${'x'.repeat(12_000)}`]], chat);
    expect(answer.status).toBe(415);
    expect(errorOf(answer).code).toBe('unsupported_media_type');
    expect(answer.text).not.toContain('xxxxxxxx');
    expect(answer.text.length).toBeLessThan(300);
  });
});

describe('the charset a content-type declares', () => {
  it.each([['application/json'], ['application/json; charset=utf-8'], ['application/json; charset="UTF-8"'], ['application/json;charset=utf8'], ['application/json; charset=us-ascii'], ['text/plain']])(
    '%j: read as UTF-8, served',
    async (type) => {
      const answer = await send('POST', '/v1/chat/completions', [auth, ['content-type', type]], chat);
      expect(answer.status).toBe(200);
    },
  );

  it('latin1 (the body would be misread, é as U+FFFD) → 415 naming it, nothing read', async () => {
    const answer = await send('POST', '/v1/chat/completions', [auth, ['content-type', 'application/json; charset=ISO-8859-1']], chat);
    expect(answer.status).toBe(415);
    expect(errorOf(answer)).toMatchObject({ code: 'unsupported_media_type', type: 'invalid_request_error', message: expect.stringContaining("'ISO-8859-1'") });
  });

  it('a 12,000-character charset → 415 that does not echo it', async () => {
    const answer = await send('POST', '/v1/chat/completions', [auth, ['content-type', `application/json; charset=${'x'.repeat(12_000)}`]], chat);
    expect(answer.status).toBe(415);
    expect(answer.text).not.toContain('xxxxxxxx');
    expect(answer.text.length).toBeLessThan(300);
  });
});

describe('GET /v1/models/{id} with an id that is no model name', () => {
  it.each([
    ['10,000 characters', 'm'.repeat(10_000), 'mmmmmmmm'],
    ['an escaped CR LF', 'mock%0d%0aX-Evil:%201', 'X-Evil'],
    ['an escaped NUL', 'mock%00echo', 'mock'],
  ])('%s → 404 model_not_found that does not echo it', async (_name, id, echoed) => {
    const answer = await send('GET', `/v1/models/${id}`, [auth]);
    expect(answer.status).toBe(404);
    expect(errorOf(answer)).toMatchObject({ code: 'model_not_found', param: 'model' });
    expect(errorOf(answer).message).not.toContain(echoed);
    expect(answer.text.length).toBeLessThan(300);
  });

  it('an unknown id that could be a model name is named back', async () => {
    const answer = await send('GET', '/v1/models/mock/nothing', [auth]);
    expect(answer.status).toBe(404);
    expect(errorOf(answer).message).toContain("'mock/nothing'");
  });
});

describe('paths no route takes', () => {
  it.each([
    ['the gateway', '/v1/', []],
    ['the admin API', '/admin/', []],
    ['the dashboard API', '/dashboard/api/', [['x-switchyard-dashboard', '1']]],
  ] as Array<[string, string, Array<[string, string]>]>)('on %s, a 15,000-character path → 404 naming at most its first 200 characters', async (_name, prefix, headers) => {
    const answer = await send('GET', `${prefix}${'p'.repeat(15_000)}`, [auth, ...headers]);
    expect(answer.status).toBe(404);
    expect(errorOf(answer).code).toBe('not_found');
    expect(errorOf(answer).message).toContain(`${prefix}ppp`);
    expect(answer.text.length).toBeLessThan(400);
  });

  it.each([['POST'], ['PUT'], ['DELETE'], ['OPTIONS']])('%s /v1/models/{id} → 405 method_not_allowed, as on /v1/models', async (method) => {
    const answer = await send(method, '/v1/models/mock/echo', [auth], method === 'POST' || method === 'PUT' ? '{}' : undefined);
    expect(answer.status).toBe(405);
    expect(errorOf(answer)).toMatchObject({ code: 'method_not_allowed', message: `${method} is not allowed on /v1/models/{model}.` });
  });
});
