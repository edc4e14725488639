import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the replaying upstream answers the next request with. */
export interface ReplayScript {
  /** The body, byte for byte: a recorded JSON answer or SSE stream (text), or binary frames (Bedrock's event stream). */
  body: string | Buffer;
  contentType: string;
  status?: number;
  /**
   * Byte offsets where the body is cut into separate writes (each after the one
   * before has been flushed), so the gateway meets events split across network chunks.
   */
  splits?: number[];
}

/** A request the replaying upstream received. */
export interface ReplayedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A mock upstream that answers every request with the script set last: recorded
 * provider bytes (the shared fixtures), optionally cut at given offsets. It keeps
 * what it received, so a test can check what the gateway sent upstream.
 */
export async function startFixtureReplay() {
  const received: ReplayedRequest[] = [];
  let script: ReplayScript | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      void answer(res);
    });
  });
  async function answer(res: ServerResponse) {
    if (!script) {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"no script"}}');
      return;
    }
    const bytes = typeof script.body === 'string' ? Buffer.from(script.body, 'utf8') : script.body;
    res.writeHead(script.status ?? 200, { 'content-type': script.contentType });
    const cuts = [...new Set(script.splits ?? [])].filter((at) => at > 0 && at < bytes.length).sort((a, b) => a - b);
    let from = 0;
    for (const at of [...cuts, bytes.length]) {
      const piece = bytes.subarray(from, at);
      from = at;
      if (!res.write(piece)) await once(res, 'drain');
      // Let the piece leave on its own before the next one is written.
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (res.destroyed) return;
    }
    res.end();
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    /** The answer to every request from now on. */
    play(next: ReplayScript) {
      script = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
