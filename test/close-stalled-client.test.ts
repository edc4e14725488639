import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { listenOnLoopback, startEmbeddedGateway } from './support/embedded-gateway.js';

/**
 * A client that stops reading a stream (a hung process, a dead NAT: its TCP window
 * closed) while the gateway closes. Past the drain deadline the upstream calls are cut,
 * but the stream's last events cannot reach that client, so its request never ended:
 * close() went on without it, the usage recorder's last flush went without its record,
 * and the record, made when the embedding app finally dropped the connection, was lost.
 */
describe('gateway.close() with a stream to a client that stopped reading', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  it('ends that stream once the upstream calls are cut: the request is recorded before close() resolves', async () => {
    // An OpenAI-compatible upstream streaming without end, as fast as its socket takes it.
    let heldBack!: () => void;
    const upstreamHeldBack = new Promise<void>((resolve) => (heldBack = resolve));
    const chunk = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'x'.repeat(1000) }, finish_reason: null }] })}\n\n`;
    const upstream = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pump = () => {
        while (res.write(chunk));
        // The gateway stopped reading: its client is not taking the stream.
        heldBack();
        res.once('drain', pump);
      };
      pump();
    });
    const upstreamUrl = await listenOnLoopback(upstream, servers);
    const { gateway, records, chatUrl } = await startEmbeddedGateway({ providers: { openai: { api_key: 'sk-upstream-0123456789', base_url: `${upstreamUrl}/v1` } } }, servers);

    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      httpRequest(chatUrl, { method: 'POST', headers: { 'content-type': 'application/json' } })
        .once('response', resolve)
        .once('error', reject)
        .end(JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'flood me' }] }));
    });
    expect(response.statusCode).toBe(200);
    response.pause(); // and never reads again
    response.on('error', () => undefined);
    await upstreamHeldBack;

    await gateway.close({ drainTimeoutMs: 50 });
    // Recorded before close() resolved, so before the usage recorder's last flush.
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ stream: true, provider: 'openai', errorCode: 'shutting_down' });
  }, 30_000);
});
