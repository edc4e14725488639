import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callInDialect, dialects, type Dialect } from './support/call-in-dialect.js';
import { startLoopbackUpstream, type LoopbackUpstream } from './support/loopback-upstream.js';
import { fixtureFile, fixtureTargets } from './support/provider-fixture-bodies.js';
import { onceConfigUnderPrefixes, prefixedProviders, providerOfPath, type PrefixedProvider } from './support/providers-under-prefixes.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { withoutClock } from './support/without-clock.js';

/**
 * An upstream (or a proxy in front of it: IIS, a Windows-hosted compatible server) that
 * starts its JSON answer with a UTF-8 byte order mark. RFC 8259 lets a parser ignore it,
 * the gateway's own ingress does, and a streamed answer's mark is dropped; a whole answer
 * with one was a 502 "not JSON", and an error body with one lost the provider's reason.
 */

const byteOrderMark = Buffer.from([0xef, 0xbb, 0xbf]);

type Provider = PrefixedProvider;
let answer: (provider: Provider) => { status: number; body: Buffer } = () => ({ status: 500, body: Buffer.alloc(0) });

let upstream: LoopbackUpstream;
let gateway: TestGateway;
beforeAll(async () => {
  upstream = await startLoopbackUpstream((req, _body, res) => {
    const { status, body } = answer(providerOfPath(req.url) ?? 'openai');
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(body.length) });
    res.end(body);
  });
  gateway = await startTestGateway(onceConfigUnderPrefixes(upstream.origin, fixtureTargets));
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const call = (provider: Provider, dialect: Dialect): Promise<Response> =>
  callInDialect(gateway, dialect, { model: `${provider}-once`, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });

const cases = prefixedProviders.flatMap((provider) => dialects.map((dialect) => ({ provider, dialect })));

describe('a whole upstream answer that starts with a UTF-8 byte order mark', () => {
  it.each(cases)('$provider, $dialect: read as the JSON after it, answered as the same answer without the mark is', async ({ provider, dialect }) => {
    answer = (p) => ({ status: 200, body: fixtureFile(p, 'response.json') });
    const plain = await call(provider, dialect);
    expect(plain.status).toBe(200);
    const plainText = withoutClock(await plain.text());

    answer = (p) => ({ status: 200, body: Buffer.concat([byteOrderMark, fixtureFile(p, 'response.json')]) });
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
