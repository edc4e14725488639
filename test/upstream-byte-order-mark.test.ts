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
 * An upstream (or a proxy in front of it: IIS, a Windows-hosted compatible server) that
 * starts its JSON answer with a UTF-8 byte order mark. RFC 8259 lets a parser ignore it,
 * the gateway's own ingress does, and a streamed answer's mark is dropped; a whole answer
 * with one was a 502 "not JSON", and an error body with one lost the provider's reason.
 */

const fixture = (provider: string, file: string): Buffer => readFileSync(join(providerFixturesDir(), provider, file));
const byteOrderMark = Buffer.from([0xef, 0xbb, 0xbf]);

const providers = {
  openai: { target: 'openai/gpt-4o-mini', dir: 'openai' },
  azure: { target: 'azure/gpt-4o-mini', dir: 'azure-openai' },
  mistral: { target: 'mistral/mistral-large-latest', dir: 'mistral' },
  anthropic: { target: 'anthropic/claude-sonnet-4-5', dir: 'anthropic' },
  gemini: { target: 'gemini/gemini-2.5-flash', dir: 'gemini' },
  cohere: { target: 'cohere/command-a-03-2025', dir: 'cohere' },
  bedrock: { target: 'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0', dir: 'bedrock' },
} as const;
type Provider = keyof typeof providers;

let answer: (provider: Provider) => { status: number; body: Buffer } = () => ({ status: 500, body: Buffer.alloc(0) });
const upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
  req.resume();
  req.once('end', () => {
    const provider = (Object.keys(providers) as Provider[]).find((name) => req.url?.includes(`/${name}/`)) ?? 'openai';
    const { status, body } = answer(provider);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(body.length) });
    res.end(body);
  });
});

let gateway: TestGateway;
beforeAll(async () => {
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  gateway = await startTestGateway({
    providers: providersUnderPrefixes(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`),
    chain: [{ auth: {} }, { 'key-scope': {} }, { route: {} }, { adapter: {} }],
    models: onceModels(Object.fromEntries(Object.entries(providers).map(([name, { target }]) => [name, target]))),
  });
});
afterAll(async () => {
  await gateway?.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

type Dialect = 'chat' | 'messages';
function call(provider: Provider, dialect: Dialect): Promise<Response> {
  return fetch(`${gateway.baseURL}/${dialect === 'chat' ? 'chat/completions' : 'messages'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: `${provider}-once`, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

/** An answer's text without what the gateway stamps on each answer anew. */
function withoutClock(text: string): string {
  return text.replace(/"(id|created|created_at|message_id|duration_ms)":\s*("[^"]*"|\d+)/g, '"$1":0');
}

const cases = (Object.keys(providers) as Provider[]).flatMap((provider) => (['chat', 'messages'] as Dialect[]).map((dialect) => ({ provider, dialect })));

describe('a whole upstream answer that starts with a UTF-8 byte order mark', () => {
  it.each(cases)('$provider, $dialect: read as the JSON after it, answered as the same answer without the mark is', async ({ provider, dialect }) => {
    answer = (p) => ({ status: 200, body: fixture(providers[p].dir, 'response.json') });
    const plain = await call(provider, dialect);
    expect(plain.status).toBe(200);
    const plainText = withoutClock(await plain.text());

    answer = (p) => ({ status: 200, body: Buffer.concat([byteOrderMark, fixture(providers[p].dir, 'response.json')]) });
    const marked = await call(provider, dialect);
    const markedText = await marked.text();
    expect(marked.status, markedText).toBe(200);
    expect(withoutClock(markedText)).toBe(plainText);
  });

  it('an OpenAI error body with the mark still says the provider\'s reason', async () => {
    const reason = 'Invalid value for temperature: 9 is greater than the maximum of 2.';
    answer = () => ({ status: 400, body: Buffer.concat([byteOrderMark, Buffer.from(JSON.stringify({ error: { message: reason, type: 'invalid_request_error', param: 'temperature', code: null } }))]) });
    const refused = await call('openai', 'chat');
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('upstream_bad_request');
    expect(body.error.message).toContain(reason);
  });
});
