import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createGateway, createLogger, type Gateway, type Logger } from '@switchyard/core';
import auth from '@switchyard/policy-keys';
import mock from '@switchyard/provider-mock';
import openai from '@switchyard/provider-openai';
import express from 'express';
import defaultRoute from '../../src/index.js';

export const masterKey = 'sy-master-router-test-0123456789';

export interface RouterGateway {
  gateway: Gateway;
  /** POSTs a chat completion; returns the status, the headers and the raw body. */
  chat(body: Record<string, unknown>, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; text: string }>;
  get(path: string): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * A gateway (auth, route, adapter; the mock and openai providers) on a loopback port; `route` replaces the route
 * step's plugin, `logger` the silent one.
 */
export async function startRouterGateway(config: Record<string, unknown>, route = defaultRoute, logger: Logger = createLogger({ level: 'silent' })): Promise<RouterGateway> {
  const gateway = await createGateway({ master_key: masterKey, chain: ['auth', 'route', 'adapter'], ...config }, { plugins: [auth, route, mock, openai], logger });
  const server = express().use(gateway.router).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const authorization = `Bearer ${masterKey}`;
  return {
    gateway,
    async chat(body, headers = {}) {
      const response = await fetch(`${origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'hello there' }], ...body }),
      });
      return { status: response.status, headers: response.headers, text: await response.text() };
    },
    async get(path) {
      return (await fetch(`${origin}${path}`, { headers: { authorization } })).json();
    },
    async close() {
      await gateway.close({ drainTimeoutMs: 1000 });
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** An openai provider entry pointing at a mock upstream. */
export function openaiAt(url: string) {
  return { use: 'openai', api_key: 'sk-test-abcdefgh', base_url: url };
}
