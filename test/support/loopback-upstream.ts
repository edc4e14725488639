import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A hand-written upstream on loopback, for a test that says exactly what the provider answers. */
export interface LoopbackUpstream {
  /** `http://127.0.0.1:<port>`, listening. */
  origin: string;
  /** Ends its open connections and stops listening. */
  close(): Promise<void>;
}

/**
 * Listens on a free loopback port and answers each request as `respond` says, once the
 * request's body has been read whole (`body`).
 */
export async function startLoopbackUpstream(respond: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void): Promise<LoopbackUpstream> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => respond(req, Buffer.concat(chunks), res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
