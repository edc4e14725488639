import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { builtInPlugins } from '@switchyard/cli';
import { createGateway, createLogger, type Gateway, type RequestRecord } from '@switchyard/core';
import express from 'express';

/** Listens on a loopback port; resolves with the server's base URL. `servers` collects it for the test's clean-up. */
export async function listenOnLoopback(server: Server, servers: Server[]): Promise<string> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export interface EmbeddedGateway {
  gateway: Gateway;
  /** Every finished request's record, in the order they finished. */
  records: RequestRecord[];
  /** Where the chat completions route answers (the gateway is mounted at `/ai`). */
  chatUrl: string;
}

/**
 * A gateway (route and adapter only, logs silent) mounted at `/ai` in a bare Express app on
 * loopback: what an app embedding it closes on its shutdown with `gateway.close()`.
 */
export async function startEmbeddedGateway(config: { providers: Record<string, unknown>; models?: Record<string, unknown> }, servers: Server[]): Promise<EmbeddedGateway> {
  const gateway = await createGateway(
    { ...config, chain: ['route', 'adapter'], log: { level: 'silent' } },
    { plugins: builtInPlugins, logger: createLogger({ level: 'silent' }) },
  );
  const records: RequestRecord[] = [];
  gateway.runtime.onRequestFinished((record) => records.push(record));
  const app = express();
  app.use('/ai', gateway.router);
  const origin = await listenOnLoopback(createServer(app), servers);
  return { gateway, records, chatUrl: `${origin}/ai/v1/chat/completions` };
}
