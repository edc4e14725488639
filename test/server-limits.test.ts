import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { builtInPlugins, createStandaloneApp } from '@switchyard/cli';
import { applyServerLimits, checkGatewayConfig, ConfigError, createGateway, createLogger, serverOptions, type Gateway } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const masterKey = 'sy-master-server-limits-0123456789';

interface Running {
  gateway: Gateway;
  server: Server;
  port: number;
}

/** The standalone server as `switchyard start` makes it, on a loopback port. */
async function serve(server: Record<string, unknown>): Promise<Running> {
  const logger = createLogger({ level: 'silent' });
  const gateway = await createGateway({ master_key: masterKey, server }, { plugins: builtInPlugins, logger });
  const config = gateway.runtime.config;
  const http = applyServerLimits(createServer(serverOptions(config), createStandaloneApp(gateway, masterKey, logger)), config);
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return { gateway, server: http, port: (http.address() as AddressInfo).port };
}

async function stop(running: Running | undefined): Promise<void> {
  if (!running) return;
  await running.gateway.close({ drainTimeoutMs: 0 });
  running.server.closeAllConnections();
  running.server.close();
}

/** A raw connection: what it received, and a promise settled when the server closes it. */
async function open(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<string> }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => {}); // a reset after the answer is still a close
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(text)));
  return { socket, received: () => text, closed };
}

/** Status and JSON body of the one HTTP response in `text`. */
function parseResponse(text: string): { status: number; headers: string; body: { error: Record<string, unknown> } } {
  const end = text.indexOf('\r\n\r\n');
  expect(end).toBeGreaterThan(0);
  const head = text.slice(0, end);
  return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body: JSON.parse(text.slice(end + 4)) as { error: Record<string, unknown> } };
}

function expectOpenAIError(body: { error: Record<string, unknown> }, code: string): void {
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error['code']).toBe(code);
}

describe("Node's framing errors and the server's timeouts (short timeouts)", () => {
  let running: Running;
  beforeAll(async () => {
    running = await serve({ headers_timeout_ms: 1000, request_timeout_ms: 2000, keep_alive_timeout_ms: 200 });
  });
  afterAll(() => stop(running));

  it('puts the config timeouts on the server', () => {
    expect(running.server.headersTimeout).toBe(1000);
    expect(running.server.requestTimeout).toBe(2000);
    expect(running.server.keepAliveTimeout).toBe(200);
  });

  it('a request line that is not HTTP → 400 malformed_request in OpenAI shape, connection closed', async () => {
    const connection = await open(running.port);
    connection.socket.write('HELLO / WORLD\r\n\r\n');
    const { status, headers, body } = parseResponse(await connection.closed);
    expect(status).toBe(400);
    expect(headers).toContain('content-type: application/json');
    expectOpenAIError(body, 'malformed_request');
  });

  // Unhandled, Node closed the socket without a word: a client taking the gateway for a proxy saw only a reset.
  it('CONNECT (a client taking the gateway for a forward proxy) → 405 method_not_allowed in OpenAI shape, connection closed', async () => {
    const connection = await open(running.port);
    connection.socket.write('CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n\r\nbytes of a TLS hello');
    const { status, headers, body } = parseResponse(await connection.closed);
    expect(status).toBe(405);
    expect(headers).toContain('connection: close');
    // RFC 9110 asks every 405 for an Allow: empty, as no method goes to a host that is not the gateway.
    expect(headers.split('\r\n')).toContain('allow: ');
    expectOpenAIError(body, 'method_not_allowed');
  });

  // A CONNECT /path is handed to the app on a socket Node no longer times: an embedding app
  // whose handler never answers it would have kept that socket open for good.
  it('CONNECT /path to an app that never answers → the socket is closed after request_timeout_ms', async () => {
    const { config } = await checkGatewayConfig({ server: { request_timeout_ms: 1000, headers_timeout_ms: 1000 } }, { plugins: builtInPlugins });
    const silent = applyServerLimits(createServer(serverOptions(config), () => {}), config);
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const connection = await open((silent.address() as AddressInfo).port);
      const started = Date.now();
      connection.socket.write('CONNECT /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n');
      await connection.closed;
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it("a server whose app tunnels CONNECT itself keeps its own 'connect' listener", async () => {
    const tunnelling = createServer();
    const ownListener = (): void => {};
    tunnelling.on('connect', ownListener);
    applyServerLimits(tunnelling, running.gateway.runtime.config);
    expect(tunnelling.listeners('connect')).toEqual([ownListener]);
  });

  // Node's parser refuses the second request while the first is still being answered: the
  // 400 was written at once and the socket ended (or destroyed, once the first answer's head
  // was out), so the first request, run and billed, lost its answer.
  for (const stream of [false, true]) {
    it(`pipelined: a ${stream ? 'streamed' : 'whole'} request, then one that is not HTTP → the first answered in full, then 400 malformed_request, connection closed`, async () => {
      const body = JSON.stringify({ model: 'mock/echo', stream, messages: [{ role: 'user', content: 'pipelined' }] });
      const connection = await open(running.port);
      connection.socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${masterKey}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}` +
          'HELLO / WORLD\r\n\r\n',
      );
      const text = await connection.closed;
      expect(text).toMatch(/^HTTP\/1\.1 200 /);
      const second = text.lastIndexOf('HTTP/1.1 400 ');
      expect(second).toBeGreaterThan(0);
      const first = text.slice(0, second);
      expect(first).toContain('pipelined');
      if (stream) expect(first).toContain('data: [DONE]');
      const { status, body: error } = parseResponse(text.slice(second));
      expect(status).toBe(400);
      expectOpenAIError(error, 'malformed_request');
    });
  }

  it('headers larger than Node accepts → 431 headers_too_large in OpenAI shape', async () => {
    const connection = await open(running.port);
    connection.socket.write(`GET /health HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    const { status, body } = parseResponse(await connection.closed);
    expect(status).toBe(431);
    expectOpenAIError(body, 'headers_too_large');
  });

  it('a HEAD with headers larger than Node accepts → 431 with no body, as HEAD answers are', async () => {
    // Found by test/no-500-from-input.property.test.ts: the JSON body after a HEAD's 431 read as a second answer.
    const connection = await open(running.port);
    connection.socket.write(`HEAD /health HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    const text = await connection.closed;
    expect(text.split(' ')[1]).toBe('431');
    expect(text.toLowerCase()).toContain('content-type: application/json');
    expect(text.endsWith('\r\n\r\n')).toBe(true);
  });

  it('an Expect header other than 100-continue → 417 expectation_failed in OpenAI shape, connection closed', async () => {
    // Found by test/no-500-from-input.property.test.ts: `Expect: ` (empty) got Node's own 417 with no body.
    for (const expectation of ['', 'bogus', '200-ok']) {
      const connection = await open(running.port);
      connection.socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nexpect: ${expectation}\r\ncontent-length: 2\r\n\r\n{}`);
      const { status, headers, body } = parseResponse(await connection.closed);
      expect(status).toBe(417);
      expect(headers).toContain('content-type: application/json');
      expect(headers).toContain('connection: close');
      expectOpenAIError(body, 'expectation_failed');
    }
  });

  it('an HTTP/1.1 request without a Host header → 400 malformed_request in OpenAI shape, connection closed; HTTP/1.0 needs none', async () => {
    // Node's own refusal was `400` with an empty chunked body and no content-type.
    for (const request of ['GET /v1/models HTTP/1.1\r\n\r\n', `POST /v1/chat/completions HTTP/1.1\r\nauthorization: Bearer ${masterKey}\r\ncontent-length: 2\r\n\r\n{}`]) {
      const connection = await open(running.port);
      connection.socket.write(request);
      const { status, headers, body } = parseResponse(await connection.closed);
      expect(status).toBe(400);
      expect(headers).toContain('content-type: application/json');
      expect(headers).toContain('connection: close');
      expectOpenAIError(body, 'malformed_request');
      expect(body.error['message']).toContain('Host');
    }
    const head = await open(running.port);
    head.socket.write('HEAD /v1/models HTTP/1.1\r\n\r\n');
    const headText = await head.closed;
    expect(headText.split(' ')[1]).toBe('400');
    expect(headText.endsWith('\r\n\r\n')).toBe(true);
    const old = await open(running.port);
    old.socket.write(`GET /v1/models HTTP/1.0\r\nauthorization: Bearer ${masterKey}\r\n\r\n`);
    expect((await old.closed).split(' ')[1]).toBe('200');
  });

  it('headers that stop coming → 408 request_timeout after server.headers_timeout_ms, connection closed', async () => {
    const connection = await open(running.port);
    connection.socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n'); // and nothing more
    const { status, body } = parseResponse(await connection.closed);
    expect(status).toBe(408);
    expectOpenAIError(body, 'request_timeout');
  });

  it('an authenticated body that stops coming → 408 request_timeout after server.request_timeout_ms', async () => {
    const connection = await open(running.port);
    connection.socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${masterKey}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":`,
    );
    const { status, body } = parseResponse(await connection.closed);
    expect(status).toBe(408);
    expectOpenAIError(body, 'request_timeout');
  });

  it('an idle keep-alive connection is closed after server.keep_alive_timeout_ms', async () => {
    const connection = await open(running.port);
    connection.socket.write('GET /health HTTP/1.1\r\nhost: x\r\n\r\n');
    const text = await connection.closed;
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text.toLowerCase()).toContain('keep-alive');
  });
});

describe('unauthenticated requests are refused before their body is read (default timeouts)', () => {
  let running: Running;
  beforeAll(async () => {
    // The default request timeout is a minute: a socket closed here was closed by the 401, not by a timeout.
    running = await serve({});
  });
  afterAll(() => stop(running));

  // Under server.body_limit (4 MB): only the auth step can refuse it before it has all arrived.
  const slowHugeBody = (authorization: string) =>
    `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n${authorization}content-type: application/json\r\ncontent-length: 3000000\r\n\r\n{"model":"mock/echo","messages":[`;

  it('no key, a 3 MB body (under the limit) that has barely begun → 401 missing_api_key and the socket closed, the body never waited for', async () => {
    const connection = await open(running.port);
    connection.socket.write(slowHugeBody(''));
    const { status, headers, body } = parseResponse(await connection.closed);
    expect(status).toBe(401);
    expect(headers).toContain('connection: close');
    expectOpenAIError(body, 'missing_api_key');
  });

  it('a wrong key with the same slow body → 401 invalid_api_key and the socket closed', async () => {
    const connection = await open(running.port);
    connection.socket.write(slowHugeBody('authorization: Bearer sy-wrong-key-0123456789abcdef\r\n'));
    const { status, body } = parseResponse(await connection.closed);
    expect(status).toBe(401);
    expectOpenAIError(body, 'invalid_api_key');
  });

  it('malformed JSON without a key → 401, not 400: the key is checked before the body is read', async () => {
    const response = await fetch(`http://127.0.0.1:${running.port}/v1/chat/completions`, { method: 'POST', body: '{"model": ' });
    expect(response.status).toBe(401);
    expectOpenAIError((await response.json()) as { error: Record<string, unknown> }, 'missing_api_key');
  });

  it('malformed JSON with a valid key → 400 invalid_json, as before', async () => {
    const response = await fetch(`http://127.0.0.1:${running.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}` },
      body: '{"model": ',
    });
    expect(response.status).toBe(400);
    expectOpenAIError((await response.json()) as { error: Record<string, unknown> }, 'invalid_json');
  });
});

describe('Expect: 100-continue: the body is invited only once the gateway reads it (default timeouts)', () => {
  let running: Running;
  beforeAll(async () => {
    running = await serve({});
  });
  afterAll(() => stop(running));

  const expecting = (authorization: string, length: number) =>
    `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n${authorization}content-type: application/json\r\ncontent-length: ${length}\r\nexpect: 100-continue\r\n\r\n`;

  // Node answered "100 Continue" on every such request before the app saw it: a client was
  // told to send 100 MB, or a body with no key, only to have it refused.
  it('a declared body past server.body_limit → 413 request_too_large with no 100 Continue before it, connection closed', async () => {
    const connection = await open(running.port);
    connection.socket.write(expecting(`authorization: Bearer ${masterKey}\r\n`, 100_000_000));
    const text = await connection.closed;
    expect(text).not.toContain('100 Continue');
    const { status, headers, body } = parseResponse(text);
    expect(status).toBe(413);
    expect(headers).toContain('connection: close');
    expectOpenAIError(body, 'request_too_large');
  });

  it('no key → 401 missing_api_key with no 100 Continue before it, connection closed', async () => {
    const connection = await open(running.port);
    connection.socket.write(expecting('', 3_000_000));
    const text = await connection.closed;
    expect(text).not.toContain('100 Continue');
    const { status, body } = parseResponse(text);
    expect(status).toBe(401);
    expectOpenAIError(body, 'missing_api_key');
  });

  it('a valid key and a body in bounds → 100 Continue, then the body is read and answered', async () => {
    const body = JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });
    const connection = await open(running.port);
    connection.socket.write(expecting(`authorization: Bearer ${masterKey}\r\n`, Buffer.byteLength(body)));
    await new Promise<void>((resolve) => connection.socket.on('data', () => connection.received().includes('\r\n\r\n') && resolve()));
    expect(connection.received()).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    connection.socket.end(body);
    const text = (await connection.closed).slice('HTTP/1.1 100 Continue\r\n\r\n'.length);
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text).toContain('"content":"hi"');
  });
});

describe('server timeouts in the config', () => {
  it('a header deadline later than the request deadline is a config problem, not a crash in createServer', async () => {
    const refused = await checkGatewayConfig({ server: { headers_timeout_ms: 20_000, request_timeout_ms: 15_000 } }, { plugins: builtInPlugins }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems).toEqual([{ path: '/server/headers_timeout_ms', message: 'must be <= server.request_timeout_ms (15000)' }]);
  });
});

describe('server.body_limit in the config', () => {
  it.each(['99999gb', '1.5gb', '0b', '0.1b', `${'9'.repeat(400)}kb`])('a size of %s is a config problem, as a number past 1 GiB is', async (limit) => {
    const refused = await checkGatewayConfig({ server: { body_limit: limit } }, { plugins: builtInPlugins }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems).toEqual([{ path: '/server/body_limit', message: 'must be between 1 byte and 1gb' }]);
  });

  it.each(['1b', '4mb', '1gb', '512 KB'])('a size of %s is taken', async (limit) => {
    await expect(checkGatewayConfig({ server: { body_limit: limit } }, { plugins: builtInPlugins })).resolves.toMatchObject({ config: { server: { body_limit: limit } } });
  });
});

describe('server.heap_growing_percent in the config', () => {
  it('is a whole percent from 0 to 300: an infinite, fractional or negative one is a config problem', async () => {
    for (const value of [301, JSON.parse('1e309') as number, 12.5, -1, '20']) {
      const refused = await checkGatewayConfig({ server: { heap_growing_percent: value } }, { plugins: builtInPlugins }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ConfigError);
      expect((refused as ConfigError).problems.map((problem) => problem.path)).toEqual(['/server/heap_growing_percent']);
    }
    const { config } = await checkGatewayConfig({ server: { heap_growing_percent: 0 } }, { plugins: builtInPlugins });
    expect(config.server.heap_growing_percent).toBe(0);
  });
});

describe("rate-limit's rpm and tpm in the config", () => {
  it('are whole numbers up to 245,760,000 a minute (one unit per tick of the limiter\'s clock), as for a virtual key: larger, infinite or fractional ones are config problems naming the bound', async () => {
    const withLimit = (limit: object) => ({ providers: { mock: { use: 'mock' } }, chain: ['auth', { 'rate-limit': { limits: { global: limit } } }, 'route', 'adapter'] });
    for (const [field, value] of [['rpm', 245_760_001], ['tpm', 245_760_001], ['rpm', 1_000_000_000], ['tpm', 1_000_000_000_000], ['tpm', JSON.parse('1e309') as number], ['rpm', 0.5], ['rpm', 0]] as const) {
      const refused = await checkGatewayConfig(withLimit({ [field]: value }), { plugins: builtInPlugins }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ConfigError);
      expect(new Set((refused as ConfigError).problems.map((problem) => problem.path))).toEqual(new Set([`/chain/1/rate-limit/limits/global/${field}`]));
      if (value > 245_760_000 && Number.isFinite(value)) expect((refused as ConfigError).problems[0]!.message).toContain('245760000');
    }
    await expect(checkGatewayConfig(withLimit({ rpm: 245_760_000, tpm: 245_760_000 }), { plugins: builtInPlugins })).resolves.toBeDefined();
    // Per model and per team too.
    const perModel = await checkGatewayConfig(
      { providers: { mock: { use: 'mock' } }, chain: ['auth', { 'rate-limit': { limits: { models: { 'mock/*': { tpm: 300_000_000 } }, teams: { red: { rpm: 300_000_000 } } } } }, 'route', 'adapter'] },
      { plugins: builtInPlugins },
    ).catch((error: unknown) => error);
    expect(new Set((perModel as ConfigError).problems.map((problem) => problem.path))).toEqual(
      new Set(['/chain/1/rate-limit/limits/models/mock~1*/tpm', '/chain/1/rate-limit/limits/teams/red/rpm']),
    );
  });
});
