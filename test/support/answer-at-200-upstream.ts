import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An upstream that answers every request 200 `application/json` with the body last set,
 * whatever was asked (a whole answer or a stream): a provider, or a proxy in front of
 * one, that says its failures at 200.
 */
export interface AnswerAt200Upstream {
  /** Its origin, `http://127.0.0.1:<port>`, once listening. */
  origin: string;
  /** The body of the next answers. */
  answerWith(body: string): void;
  close(): Promise<void>;
}

export async function startAnswerAt200Upstream(): Promise<AnswerAt200Upstream> {
  let body = '';
  const server = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answerWith: (text) => {
      body = text;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
