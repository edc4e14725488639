import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PriceCatalog, type RequestRecord } from '@switchyard/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { listenOnLoopback } from './support/embedded-gateway.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const epoch = new Date(0).toISOString();

/**
 * A streaming client that stops reading (a hung process, a dead NAT): its TCP window
 * fills, the gateway's write() returns false and no 'drain' ever comes. It used to hold
 * the upstream call and the key's budget hold until limits.stream_max_duration_ms
 * (30 minutes). Past limits.client_stall_ms without a drain it is now disconnected and
 * the request settled as a client that left: the upstream cut, the generated output billed.
 */
describe('a streaming client that stops reading', () => {
  const servers: Server[] = [];
  let gateway: TestGateway | undefined;
  afterAll(async () => {
    await gateway?.close();
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  it('is disconnected after limits.client_stall_ms without a drain: upstream closed, abort billed, budget hold released', async () => {
    // An OpenAI-compatible upstream streaming large events without end, as fast as the gateway takes them.
    const content = 'x'.repeat(16 * 1024);
    const chunk = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
    let upstreamClosed!: () => void;
    const upstreamConnectionClosed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const upstream = createServer((req, res) => {
      req.resume();
      res.on('close', upstreamClosed);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const upstreamUrl = await listenOnLoopback(upstream, servers);
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-client-stall-')) },
      providers: { openai: { api_key: 'sk-upstream-0123456789', base_url: `${upstreamUrl}/v1` } },
      storage: { use: 'sqlite' },
      usage: { flush_interval_ms: 50 },
      limits: { client_stall_ms: 300 },
    });
    const key = await createBudgetedKey(gateway, 100, 'stalled-client');
    const finished = new Promise<RequestRecord>((resolve) => gateway!.gateway.runtime.onRequestFinished(resolve));

    // A raw client: it sends its request, then never reads a byte of the answer.
    const { port } = new URL(gateway.origin);
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    socket.on('error', () => undefined);
    socket.pause();
    await once(socket, 'connect');
    const body = JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'flood me' }] });
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${key.secret}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );

    const record = await finished;
    await upstreamConnectionClosed;
    // Settled as a client that left mid-stream: 499, billed for what was generated.
    expect(record).toMatchObject({ keyId: key.id, stream: true, provider: 'openai', status: 499, errorCode: 'client_closed_request', usageEstimated: true });
    expect(record.usage!.outputTokens).toBeGreaterThan(0);
    expect(record.usage!.inputTokens).toBeGreaterThan(0);
    expect(record.costUsd).toBeCloseTo(new PriceCatalog().cost('openai', 'gpt-4o-mini', record.usage!).costUsd, 9);
    expect(gateway.logLines.filter((line) => line.includes('client stopped reading the stream'))).toHaveLength(1);

    // The key's budget: nothing held once its grant idles out, and what was billed spent.
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch), { timeout: 10_000 }).toBe(0);
    // The budget counts whole micro-dollars: the rest under one is carried to the key's next request.
    const spent = await budgets.spent(`key:${key.id}`, epoch);
    expect(Math.round(spent * 1e6)).toBe(Math.floor(Math.round(record.costUsd * 1e9) / 1000));
    socket.destroy();
  }, 60_000);
});
