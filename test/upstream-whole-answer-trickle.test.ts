import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordQueue } from './support/request-records.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An upstream that answers 200 with a whole JSON answer's headers and then sends its body
 * one byte at a time, a byte every 20 ms, never the whole of it: each byte keeps the
 * provider's idle timer (`timeouts.body_ms`) alive, so only the bound on a whole answer
 * (`limits.stream_max_duration_ms`, counted from when the request was sent) can end it.
 */
function startTricklingUpstream(): Promise<{ server: Server; origin: string; open: Set<Socket>; all: Set<Socket> }> {
  const all = new Set<Socket>();
  /** The connections a request came in on, until they close. */
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    all.add(socket);
    socket.on('error', () => undefined);
    let timer: NodeJS.Timeout | undefined;
    socket.on('close', () => {
      clearInterval(timer);
      open.delete(socket);
    });
    socket.once('data', () => {
      open.add(socket);
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n{');
      timer = setInterval(() => socket.write(' '), 20);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, open, all })));
}

let upstream: Awaited<ReturnType<typeof startTricklingUpstream>>;
let gateway: TestGateway;
let records: ReturnType<typeof recordQueue>;

beforeAll(async () => {
  upstream = await startTricklingUpstream();
  // body_ms far above the trickle's 20 ms, so the idle timer never fires; the whole answer's bound is 1 s.
  const timeouts = { headers_ms: 10_000, body_ms: 10_000 };
  gateway = await startTestGateway({
    providers: {
      openai: { api_key: 'sk-test-trickle-0123456789', base_url: `${upstream.origin}/v1`, timeouts },
      anthropic: { api_key: 'sk-ant-test-trickle-0123456789', base_url: upstream.origin, timeouts },
    },
    models: {
      'openai-once': { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } },
      'embed-once': { deployments: [{ target: 'openai/text-embedding-3-small' }], retries: { attempts: 0 } },
      'anthropic-once': { deployments: [{ target: 'anthropic/claude-sonnet-4-5' }], retries: { attempts: 0 } },
    },
    limits: { stream_max_duration_ms: 1000 },
  });
  records = recordQueue(gateway);
});

afterAll(async () => {
  await gateway?.close();
  for (const socket of upstream?.all ?? []) socket.destroy();
  await new Promise((resolve) => upstream?.server.close(resolve));
});

const messages = [{ role: 'user', content: 'hi' }];

describe('an upstream that trickles a whole answer and never finishes it', () => {
  it.each([
    ['/v1/chat/completions', 'OpenAI fast path', { model: 'openai-once', messages }],
    ['/v1/chat/completions', 'translated (Anthropic)', { model: 'anthropic-once', messages }],
    ['/v1/embeddings', 'OpenAI', { model: 'embed-once', input: 'hi' }],
    ['/v1/responses', 'OpenAI pass-through', { model: 'openai-once', input: 'hi' }],
    ['/v1/messages', 'Anthropic fast path', { model: 'anthropic-once', max_tokens: 20, messages }],
  ])('%s (%s): cut at limits.stream_max_duration_ms with 504 upstream_duration_exceeded, the upstream connection closed, the request recorded', async (path, _label, body) => {
    const finished = records.next();
    const response = await fetch(`${gateway.origin}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(504);
    const text = await response.text();
    expect(text).toContain('upstream_duration_exceeded');
    expect(text).toContain('1000 ms');
    // The provider read the prompt and answered 200, then its body was cut before anything reached the client: billed
    // the prompt's estimate and no output, marked estimated (docs/pricing.md, "An answer that breaks after its 200").
    const record = await finished;
    expect(record).toMatchObject({ status: 504, errorCode: 'upstream_duration_exceeded', usageEstimated: true, usage: { outputTokens: 0 } });
    expect(record.usage!.inputTokens).toBeGreaterThan(0);
    expect(record.costUsd).toBeGreaterThan(0);
    // The gateway let the upstream go: the connection its request went out on is closed.
    await expect.poll(() => upstream.open.size).toBe(0);
  });
});
