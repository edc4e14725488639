import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

/** One answer the balancer passed on: which backend, what status, when it ended (performance.now()). */
export interface BalancedAnswer {
  backend: number;
  status: number;
  endedAt: number;
}

export interface RoundRobinBalancer {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** Backend origins by index; set one to a restarted instance's origin, or undefined while it is down. */
  backends: Array<string | undefined>;
  /** Every answer passed on, in the order they ended. */
  answers: BalancedAnswer[];
  /** Attempts moved to the next backend (connection refused, or 503 `shutting_down`). */
  retries: number;
  /** Why each attempt that broke after the request went out broke (`ECONNRESET` …): answered 502, not retried. */
  broken: string[];
  close(): Promise<void>;
}

const maxBody = 1024 * 1024;

/**
 * A small HTTP load balancer for multi-instance tests, behaving as nginx does with
 * `proxy_next_upstream error http_503` and its default `max_fails=1`: requests go
 * round-robin, one fresh connection each; an attempt whose connection is refused, or
 * which is answered 503 `shutting_down` (a stopping instance), is sent to the next
 * backend, and that backend is skipped until its origin changes (the instance was
 * restarted). A connection that breaks after the request went out is a 502, not
 * retried (a POST may have been acted on).
 */
export async function startRoundRobinBalancer(backends: Array<string | undefined>): Promise<RoundRobinBalancer> {
  let next = 0;
  // Origins that refused or said shutting_down: skipped until replaced.
  const failed = new Set<string>();
  const balancer: RoundRobinBalancer = { origin: '', backends, answers: [], retries: 0, broken: [], close: async () => undefined };

  const attempt = (origin: string, req: IncomingMessage, body: Buffer) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const headers: IncomingHttpHeaders = { ...req.headers, connection: 'close', 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const upstream = request(`${origin}${req.url}`, { method: req.method, headers, agent: false }, resolve);
      upstream.on('error', reject);
      upstream.end(body);
    });

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBody) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks);
    const count = balancer.backends.length;
    const first = next++ % count;
    for (let tried = 0; tried < count; tried++) {
      const index = (first + tried) % count;
      const origin = balancer.backends[index];
      if (origin === undefined || failed.has(origin)) {
        balancer.retries++;
        continue;
      }
      let answer: IncomingMessage;
      try {
        answer = await attempt(origin, req, body);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
          failed.add(origin);
          balancer.retries++;
          continue;
        }
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        balancer.broken.push(reason);
        res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `backend connection broke (${reason})`, type: 'server_error', code: 'bad_gateway', param: null } }));
        return;
      }
      if (answer.statusCode === 503) {
        const parts: Buffer[] = [];
        for await (const part of answer as AsyncIterable<Buffer>) parts.push(part);
        const text = Buffer.concat(parts).toString();
        if (text.includes('"shutting_down"')) {
          failed.add(origin);
          balancer.retries++;
          continue;
        }
        res.writeHead(503, answer.headers).end(text);
        balancer.answers.push({ backend: index, status: 503, endedAt: performance.now() });
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
      answer.on('end', () => balancer.answers.push({ backend: index, status: answer.statusCode ?? 0, endedAt: performance.now() }));
      return;
    }
    res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'no backend answered', type: 'server_error', code: 'bad_gateway', param: null } }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  balancer.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  balancer.close = async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  };
  return balancer;
}
