import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callInDialect, dialects, type Dialect } from './support/call-in-dialect.js';
import { startLoopbackUpstream, type LoopbackUpstream } from './support/loopback-upstream.js';
import { asksForStream, fixtureTargets, recordedAnswer } from './support/provider-fixture-bodies.js';
import { onceConfigUnderPrefixes, prefixedProviders, providerOfPath, type PrefixedProvider } from './support/providers-under-prefixes.js';
import { recordQueue } from './support/request-records.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { withoutClock } from './support/without-clock.js';

/**
 * Upstream answers whose body is compressed (or says it is). The gateway asks for
 * `accept-encoding: identity`; an upstream that compresses anyway (gzip, deflate, br) is
 * decompressed, and a coding it cannot read, or bytes that are not in the coding named,
 * are a clear 502 naming the coding before any byte reaches the client; an error body
 * is still mapped by its status.
 */

type Provider = PrefixedProvider;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

let answer: (stream: boolean, provider: Provider) => Answer;
const acceptEncodings: Array<string | undefined> = [];
let upstream: LoopbackUpstream;
let gateway: TestGateway;
beforeAll(async () => {
  upstream = await startLoopbackUpstream((req, requestBody, res) => {
    acceptEncodings.push(req.headers['accept-encoding']);
    const { status, headers, body } = answer(asksForStream(req.url, requestBody), providerOfPath(req.url) ?? 'openai');
    res.writeHead(status, { 'content-length': String(body.length), ...headers });
    res.end(body);
  });
  gateway = await startTestGateway(onceConfigUnderPrefixes(upstream.origin, fixtureTargets));
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** The provider's own answer (its fixture), encoded as `encode` says, with the headers given. */
function realAnswer(encode: (body: Buffer) => Buffer, headers: Record<string, string>): (stream: boolean, provider: Provider) => Answer {
  return (stream, provider) => {
    const { body, contentType } = recordedAnswer(provider, stream);
    return { status: 200, headers: { 'content-type': contentType, ...headers }, body: encode(body) };
  };
}

const cases = prefixedProviders.flatMap((provider) => [false, true].flatMap((stream) => dialects.map((dialect) => ({ provider, stream, dialect }))));

async function call(provider: Provider, stream: boolean, dialect: Dialect): Promise<Response> {
  const model = `${provider}-once`;
  return callInDialect(gateway, dialect, dialect === 'chat' ? { model, stream, messages: [{ role: 'user', content: 'hi' }] } : { model, stream, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
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
