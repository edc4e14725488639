import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/** An "OpenAI-compatible" upstream that answers whatever the test hands it. */
async function startRawUpstream(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.once('end', () => handler(req, res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server };
}

const opened: Array<{ close(): Promise<unknown> | void }> = [];
afterEach(async () => {
  for (const resource of opened.splice(0).reverse()) await resource.close();
});

async function gatewayInFrontOf(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestGateway> {
  const upstream = await startRawUpstream(handler);
  opened.push({ close: () => new Promise((resolve) => upstream.server.close(resolve)) });
  upstream.server.on('connection', (socket) => opened.push({ close: () => void socket.destroy() }));
  const gateway = await startTestGateway({
    providers: { openai: { api_key: 'sk-test-garbage-0123456789', base_url: upstream.url } },
    models: { once: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } } },
  });
  opened.push(gateway);
  return gateway;
}

function chat(gateway: TestGateway, extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'once', messages: [{ role: 'user', content: 'hi' }], ...extra }),
  });
}

/** Answers must be an OpenAI-shaped error from the gateway's catalogue, never the upstream's bytes. */
async function expectGatewayError(response: Response, status: number): Promise<{ code: string; message: string }> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { code: string; message: string; type: string } };
  expect(body.error.type).toBe('server_error');
  expect(typeof body.error.code).toBe('string');
  return body.error;
}

describe('an upstream that answers garbage', () => {
  it('a 200 whose body is not JSON → 502 upstream_invalid_response', async () => {
    const gateway = await gatewayInFrontOf((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "chatcmpl-1", "choices": [');
    });
    const error = await expectGatewayError(await chat(gateway), 502);
    expect(error.code).toBe('upstream_invalid_response');
  });

  it('a 200 JSON answer without choices → 502 upstream_invalid_response', async () => {
    const gateway = await gatewayInFrontOf((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"hello": "world"}');
    });
    const error = await expectGatewayError(await chat(gateway), 502);
    expect(error.code).toBe('upstream_invalid_response');
  });

  it('an HTML error page from a proxy in front of the provider → 502, and the HTML is not forwarded', async () => {
    const gateway = await gatewayInFrontOf((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1><p>nginx internal 10.1.2.3</p></body></html>');
    });
    const error = await expectGatewayError(await chat(gateway), 502);
    expect(error.code).toBe('upstream_server_error');
    expect(error.message).not.toContain('<html>');
    expect(error.message).not.toContain('10.1.2.3');
  });

  it('a stream whose first event is not JSON → 502 before any byte was sent', async () => {
    const gateway = await gatewayInFrontOf((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {"choices": [{"delta": \n\ndata: [DONE]\n\n');
    });
    const error = await expectGatewayError(await chat(gateway, { stream: true }), 502);
    expect(error.code).toBe('upstream_invalid_response');
  });

  it('a stream that turns to garbage after its first event ends with an SSE error event and no [DONE]', async () => {
    const gateway = await gatewayInFrontOf((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] };
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      setTimeout(() => res.end('data: <<<garbage>>>\n\n'), 20);
    });
    const response = await chat(gateway, { stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('Hel');
    const events = text.split('\n\n').filter((event) => event.startsWith('data: '));
    const last = JSON.parse(events.at(-1)!.slice('data: '.length)) as { error?: { code: string } };
    expect(last.error?.code).toBe('upstream_invalid_response');
    expect(text).not.toContain('[DONE]');
  });

  it('a stream answered with the wrong content type is read as an invalid response, not a crash', async () => {
    const gateway = await gatewayInFrontOf((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello, I am not an event stream');
    });
    const response = await chat(gateway, { stream: true });
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(response.status).toBeLessThan(600);
    expect(response.status).not.toBe(500);
  });
});
