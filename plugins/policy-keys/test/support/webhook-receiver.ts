import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got, its body as raw text (what the signature covers). */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  rawBody: string;
}

/** How the receiver answers one request: a status (with headers), or never (`hang`). */
export type ReceiverAnswer = { status: number; headers?: Record<string, string> } | 'hang';

/**
 * A real HTTP server on loopback standing in for a webhook receiver. Answers come
 * from `answers` in order, then `fallback`; every request is recorded when its
 * body has arrived, before it is answered.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly answers: ReceiverAnswer[] = [];
  fallback: ReceiverAnswer = { status: 204 };
  private readonly hanging = new Set<ServerResponse>();
  private readonly listeners: Array<() => void> = [];
  private readonly server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.received.push({ headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') });
      for (const listener of this.listeners.splice(0)) listener();
      const answer = this.answers.shift() ?? this.fallback;
      if (answer === 'hang') {
        this.hanging.add(res);
        return;
      }
      res.writeHead(answer.status, answer.headers).end();
    });
  });
  url = '';

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/budget`;
    return this;
  }

  /** Resolves once `count` requests in all have arrived. */
  async waitFor(count: number): Promise<void> {
    while (this.received.length < count) await new Promise<void>((resolve) => this.listeners.push(resolve));
  }

  /** Requests held open by `hang` answers. */
  get hangingCount(): number {
    return this.hanging.size;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
