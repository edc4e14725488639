import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { providerFixturesDir } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onceModels, recordQueue } from './support/request-records.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { providersUnderPrefixes } from './support/providers-under-prefixes.js';

/**
 * Upstream answers whose body is compressed (or says it is). The gateway asks for
 * `accept-encoding: identity`; an upstream that compresses anyway (gzip, deflate, br) is
 * decompressed, and a coding it cannot read, or bytes that are not in the coding named,
 * are a clear 502 naming the coding before any byte reaches the client; an error body
 * is still mapped by its status.
 */

const fixture = (provider: string, file: string): Buffer => readFileSync(join(providerFixturesDir(), provider, file));

/** Each provider's real answer, whole and streamed, and the content type it comes with. */
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

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

let answer: (stream: boolean, provider: Provider) => Answer;
const acceptEncodings: Array<string | undefined> = [];
let upstreamUrl = '';
let gateway: TestGateway;
const upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
  acceptEncodings.push(req.headers['accept-encoding']);
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.once('end', () => {
    const stream = /stream|converse-stream/i.test(req.url ?? '') || /"stream":\s*true/.test(Buffer.concat(chunks).toString());
    const provider = (Object.keys(providers) as Provider[]).find((name) => req.url?.includes(`/${name}/`)) ?? 'openai';
    const { status, headers, body } = answer(stream, provider);
    res.writeHead(status, { 'content-length': String(body.length), ...headers });
    res.end(body);
  });
});

beforeAll(async () => {
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  // Each provider under its own path prefix, so the upstream knows whose wire format to answer in.
  gateway = await startTestGateway({
    providers: providersUnderPrefixes(upstreamUrl),
    // No breaker: each case must reach the upstream, whatever the one before it answered.
    chain: [{ auth: {} }, { 'key-scope': {} }, { route: {} }, { adapter: {} }],
    models: onceModels(Object.fromEntries(Object.entries(providers).map(([name, { target }]) => [name, target]))),
  });
});
afterAll(async () => {
  await gateway?.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

/** The provider's own answer (its fixture), encoded as `encode` says, with the headers given. */
function realAnswer(encode: (body: Buffer) => Buffer, headers: Record<string, string>): (stream: boolean, provider: Provider) => Answer {
  return (stream, provider) => {
    const { dir, stream: streamFile, streamType } = providers[provider];
    const body = fixture(dir, stream ? streamFile : 'response.json');
    return { status: 200, headers: { 'content-type': stream ? streamType : 'application/json', ...headers }, body: encode(body) };
  };
}

/** An answer's text without what the gateway stamps on each answer anew (ids, clocks, durations). */
function withoutClock(text: string): string {
  return text.replace(/"(id|created|created_at|message_id|duration_ms)":\s*("[^"]*"|\d+)/g, '"$1":0');
}

type Dialect = 'chat' | 'messages';
const cases = (Object.keys(providers) as Provider[]).flatMap((provider) =>
  [false, true].flatMap((stream) => (['chat', 'messages'] as Dialect[]).map((dialect) => ({ provider, stream, dialect }))),
);

async function call(provider: Provider, stream: boolean, dialect: Dialect): Promise<Response> {
  const model = `${provider}-once`;
  const body = dialect === 'chat' ? { model, stream, messages: [{ role: 'user', content: 'hi' }] } : { model, stream, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] };
  return fetch(`${gateway.baseURL}/${dialect === 'chat' ? 'chat/completions' : 'messages'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The error of an answer in the dialect's own envelope: OpenAI's on chat, Anthropic's on /v1/messages. */
async function errorOf(response: Response, dialect: Dialect): Promise<{ code: string; message: string }> {
  const body = (await response.json()) as { type?: string; error: { code: string; message: string; type: string } };
  if (dialect === 'messages') expect(body.type).toBe('error');
  else expect(body.error.type).toBe('server_error');
  return body.error;
}

describe('an upstream answer in a content coding', () => {
  it.each(cases)('$provider, stream $stream, $dialect: a gzip-compressed 200 is decompressed and answered as the plain one is, recorded; identity was asked for', async ({ provider, stream, dialect }) => {
    answer = realAnswer((body) => body, {});
    const plain = await call(provider, stream, dialect);
    expect(plain.status).toBe(200);
    const plainText = withoutClock(await plain.text());

    answer = realAnswer((body) => gzipSync(body), { 'content-encoding': 'gzip' });
    acceptEncodings.length = 0;
    const record = recordQueue(gateway).next();
    const response = await call(provider, stream, dialect);
    expect(response.status).toBe(200);
    expect(withoutClock(await response.text())).toBe(plainText);
    expect(acceptEncodings).toEqual(['identity']);
    const recorded = await record;
    expect(recorded.status).toBe(200);
    expect(recorded.errorCode).toBeUndefined();
  });

  it.each(cases)('$provider, stream $stream, $dialect: a body that claims br (lying: it is plain) is a 502 naming br, and identity is served', async ({ provider, stream, dialect }) => {
    answer = realAnswer((body) => body, { 'content-encoding': 'br' });
    const refused = await call(provider, stream, dialect);
    expect(refused.status).toBe(502);
    expect((await errorOf(refused, dialect)).message).toContain('br-encoded answer that could not be decompressed');

    answer = realAnswer((body) => body, { 'content-encoding': 'identity' });
    const served = await call(provider, stream, dialect);
    expect(served.status).toBe(200);
    await served.arrayBuffer();
  });

  it('a coding the gateway cannot decompress (zstd), or codings one over another, is a 502 naming it', async () => {
    answer = realAnswer((body) => body, { 'content-encoding': 'zstd' });
    const zstd = await call('openai', false, 'chat');
    expect(zstd.status).toBe(502);
    expect((await errorOf(zstd, 'chat')).message).toContain('sent a zstd-encoded answer');

    answer = realAnswer((body) => brotliCompressSync(gzipSync(body)), { 'content-encoding': 'gzip, br' });
    const layered = await call('openai', false, 'chat');
    expect(layered.status).toBe(502);
    expect((await errorOf(layered, 'chat')).message).toContain('sent a gzip, br-encoded answer');
  });

  it('names a coding the upstream made up only when it is a short token', async () => {
    answer = realAnswer((body) => brotliCompressSync(body), { 'content-encoding': `x\u00ff${'a'.repeat(5000)}` });
    const response = await call('openai', false, 'chat');
    expect(response.status).toBe(502);
    const error = await errorOf(response, 'chat');
    expect(error.message).toContain('unknown-encoded');
    expect(error.message.length).toBeLessThan(200);
  });

  it.each(['openai', 'anthropic', 'gemini', 'bedrock'] as const)('%s: a gzip-compressed 503 is still mapped by its status (retryable overload), not read as an answer', async (provider) => {
    answer = () => ({ status: 503, headers: { 'content-type': 'text/html', 'content-encoding': 'gzip' }, body: gzipSync('<html>busy</html>') });
    const response = await call(provider, false, 'chat');
    expect(response.status).toBe(503);
    expect((await errorOf(response, 'chat')).code).toBe('upstream_overloaded');
  });
});
