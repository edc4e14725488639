import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { builtInPlugins } from '@switchyard/cli';
import { createGateway, createLogger, type Gateway, type ResolveHostname } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLoopback } from './support/embedded-gateway.js';

/**
 * The gateway resolves its upstreams' host names with a bounded lookup (upstream-lookup.ts):
 * here a mock OpenAI upstream on loopback is addressed by a name the injected resolver answers
 * (or never answers). A hung lookup held the request until `connect_ms` and one of libuv's
 * four threads until getaddrinfo gave up, one thread per request.
 */

let upstream: MockOpenAI;
let gateway: Gateway;
const servers: Server[] = [];
let chatUrl: string;
const asked: string[] = [];

const resolveHostname: ResolveHostname = (hostname, _options, answer) => {
  asked.push(hostname);
  // hung.upstream.test is a DNS server that never answers.
  if (hostname === 'api.upstream.test') setImmediate(() => answer(null, [{ address: '127.0.0.1', family: 4 }]));
};

beforeAll(async () => {
  upstream = await startMockOpenAI();
  const port = new URL(upstream.url).port;
  const provider = (host: string) => ({ use: 'openai', api_key: 'sk-test-abcdefgh', base_url: `http://${host}:${port}/v1`, timeouts: { connect_ms: 400 } });
  gateway = await createGateway(
    {
      providers: { named: provider('api.upstream.test'), hung: provider('hung.upstream.test') },
      models: {
        resolved: { deployments: [{ target: 'named/gpt-4o-mini' }], retries: { attempts: 0 } },
        unresolved: { deployments: [{ target: 'hung/gpt-4o-mini' }], retries: { attempts: 0 } },
      },
      chain: ['route', 'adapter'],
      log: { level: 'silent' },
    },
    { plugins: builtInPlugins, logger: createLogger({ level: 'silent' }), resolveHostname },
  );
  const app = express();
  app.use(gateway.router);
  chatUrl = `${await listenOnLoopback(createServer(app), servers)}/v1/chat/completions`;
});

afterAll(async () => {
  await gateway?.close({ drainTimeoutMs: 1000 });
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await upstream?.close();
});

function chat(model: string): Promise<Response> {
  return fetch(chatUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

describe('upstream host names through the gateway', () => {
  it('an upstream addressed by a host name is reached through the lookup, one lookup for a burst of calls', async () => {
    const answers = await Promise.all([chat('resolved'), chat('resolved'), chat('resolved')]);
    for (const answer of answers) expect(answer.status).toBe(200);
    expect((await answers[0]!.json()) as { object: string }).toMatchObject({ object: 'chat.completion' });
    expect(asked.filter((name) => name === 'api.upstream.test')).toEqual(['api.upstream.test']);
  });

  it('a lookup that never answers is 502 upstream_unreachable naming the host, after half of connect_ms; nothing reaches the upstream', async () => {
    const before = upstream.requests.length;
    const answer = await chat('unresolved');
    expect(answer.status).toBe(502);
    expect(await answer.json()).toEqual({
      error: {
        message: 'Could not reach the hung upstream: the DNS lookup of hung.upstream.test gave no answer within 200 ms.',
        type: 'server_error',
        param: null,
        code: 'upstream_unreachable',
      },
    });
    expect(upstream.requests.length).toBe(before);
  });
});
