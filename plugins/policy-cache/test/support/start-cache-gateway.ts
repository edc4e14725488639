import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createGateway, createLogger, type Gateway, type RequestRecord } from '@switchyard/core';
import auth from '@switchyard/policy-keys';
import route from '@switchyard/policy-router';
import mock from '@switchyard/provider-mock';
import openai from '@switchyard/provider-openai';
import express from 'express';
import OpenAI from 'openai';
import cache from '../../src/index.js';

export const upstreamKey = 'sk-upstream-test-key-0123456789';
/** Two keys of one team and one of another. */
export const keys = {
  alice: 'sy-alice-test-key-0123456789',
  bob: 'sy-bob-test-key-0123456789ab',
  carol: 'sy-carol-test-key-0123456789',
};

export interface CacheGateway {
  baseURL: string;
  origin: string;
  gateway: Gateway;
  records: RequestRecord[];
  logLines: string[];
  /** An official OpenAI client for one of the {@link keys}. */
  client(key?: keyof typeof keys): OpenAI;
  close(): Promise<void>;
}

/** A gateway on a loopback port with chain auth → cache → route → adapter, in front of `upstreamUrl`; `models` replaces its one alias. */
export async function startCacheGateway(cacheOptions: Record<string, unknown>, upstreamUrl: string, models: Record<string, unknown> = { smart: 'openai/gpt-4o-mini' }): Promise<CacheGateway> {
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });
  const gateway = await createGateway(
    {
      providers: { mock: {}, openai: { api_key: upstreamKey, base_url: upstreamUrl } },
      models,
      chain: [
        {
          auth: {
            keys: [
              { name: 'alice', key: keys.alice, team: 'red' },
              { name: 'bob', key: keys.bob, team: 'red' },
              { name: 'carol', key: keys.carol, team: 'blue' },
            ],
          },
        },
        { cache: cacheOptions },
        'route',
        'adapter',
      ],
    },
    { plugins: [auth, route, mock, openai, cache], logger },
  );
  const records: RequestRecord[] = [];
  gateway.runtime.onRequestFinished((record) => records.push(record));
  const server = express().use(gateway.router).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const baseURL = `${origin}/v1`;
  return {
    baseURL,
    origin,
    gateway,
    records,
    logLines,
    client: (key = 'alice') => new OpenAI({ apiKey: keys[key], baseURL, maxRetries: 0 }),
    async close() {
      await gateway.close({ drainTimeoutMs: 1000 });
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
