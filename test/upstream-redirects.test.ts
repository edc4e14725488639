import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { providerFixturesDir } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onceModels } from './support/request-records.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { providersUnderPrefixes } from './support/providers-under-prefixes.js';

/**
 * An upstream that answers with a redirect (a base URL on http that the provider moves to
 * https, a path moved, a proxy's login page). The gateway does not follow it: a redirect's
 * target may be another host, and the request carries the provider's credentials. Nor is
 * the 3xx's body the answer: it is a 502 `upstream_invalid_response` naming the redirect,
 * whatever the body holds, and the target hears nothing.
 */

const fixture = (provider: string, file: string): Buffer => readFileSync(join(providerFixturesDir(), provider, file));

const providers = {
  openai: { target: 'openai/gpt-4o-mini', dir: 'openai', stream: 'stream.txt', streamType: 'text/event-stream' },
  azure: { target: 'azure/gpt-4o-mini', dir: 'azure-openai', stream: 'stream.txt', streamType: 'text/event-stream' },
  mistral: { target: 'mistral/mistral-large-latest', dir: 'mistral', stream: 'stream.txt', streamType: 'text/event-stream' },
  anthropic: { target: 'anthropic/claude-sonnet-4-5', dir: 'anthropic', stream: 'stream.txt', streamType: 'text/event-stream' },
  gemini: { target: 'gemini/gemini-2.5-flash', dir: 'gemini', stream: 'stream.txt', streamType: 'text/event-stream' },
  cohere: { target: 'cohere/command-a-03-2025', dir: 'cohere', stream: 'stream.txt', streamType: 'text/event-stream' },
  bedrock: { target: 'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0', dir: 'bedrock', stream: 'stream.eventstream.bin', streamType: 'application/vnd.amazon.eventstream' },
} as const;
type Provider = keyof typeof providers;

let status = 307;
/** Requests the redirect's target received (it must receive none). */
const targetHits: string[] = [];
const target = createServer((req, res) => {
  targetHits.push(req.url ?? '');
  res.writeHead(500);
  res.end();
});
const upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.once('end', () => {
    const stream = /stream|converse-stream/i.test(req.url ?? '') || /"stream":\s*true/.test(Buffer.concat(chunks).toString());
    const provider = (Object.keys(providers) as Provider[]).find((name) => req.url?.includes(`/${name}/`)) ?? 'openai';
    const { dir, stream: streamFile, streamType } = providers[provider];
    // The provider's real answer as the redirect's body: what a 200 would have been.
    const body = fixture(dir, stream ? streamFile : 'response.json');
    const location = `http://127.0.0.1:${(target.address() as AddressInfo).port}${req.url ?? '/'}`;
    res.writeHead(status, { location, 'content-type': stream ? streamType : 'application/json', 'content-length': String(body.length) });
    res.end(body);
  });
});

let gateway: TestGateway;
beforeAll(async () => {
  target.listen(0, '127.0.0.1');
  upstream.listen(0, '127.0.0.1');
  await Promise.all([once(target, 'listening'), once(upstream, 'listening')]);
  gateway = await startTestGateway({
    providers: providersUnderPrefixes(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`),
    // No breaker: each case must reach the upstream, whatever the one before it answered.
    chain: [{ auth: {} }, { 'key-scope': {} }, { route: {} }, { adapter: {} }],
    models: onceModels(Object.fromEntries(Object.entries(providers).map(([name, { target: deployment }]) => [name, deployment]))),
  });
});
afterAll(async () => {
  await gateway?.close();
  upstream.closeAllConnections();
  target.closeAllConnections();
  await Promise.all([new Promise((resolve) => upstream.close(resolve)), new Promise((resolve) => target.close(resolve))]);
});

type Dialect = 'chat' | 'messages';
const cases = (Object.keys(providers) as Provider[]).flatMap((provider) =>
  [false, true].flatMap((stream) => (['chat', 'messages'] as Dialect[]).flatMap((dialect) => [301, 302, 307, 308].map((code) => ({ provider, stream, dialect, code })))),
);

describe('an upstream that answers with a redirect', () => {
  it.each(cases)('$provider, stream $stream, $dialect, $code: a 502 naming the redirect, not its body as the answer; the target hears nothing', async ({ provider, stream, dialect, code }) => {
    status = code;
    targetHits.length = 0;
    const response = await fetch(`${gateway.baseURL}/${dialect === 'chat' ? 'chat/completions' : 'messages'}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: `${provider}-once`, stream, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(502);
    const body = (await response.json()) as { type?: string; error: { code?: string; type: string; message: string } };
    if (dialect === 'chat') {
      expect(body.error.code).toBe('upstream_invalid_response');
      expect(body.error.type).toBe('server_error');
    } else {
      expect(body.type).toBe('error');
      expect(body.error.type).toBe('api_error');
    }
    expect(body.error.message).toContain(`redirect (${code})`);
    // The target's address is the upstream's word, not repeated to the client.
    expect(body.error.message).not.toContain(String((target.address() as AddressInfo).port));
    expect(targetHits).toEqual([]);
  });
});
