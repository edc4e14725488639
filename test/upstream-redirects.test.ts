import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callInDialect, dialects } from './support/call-in-dialect.js';
import { startLoopbackUpstream, type LoopbackUpstream } from './support/loopback-upstream.js';
import { asksForStream, fixtureTargets, recordedAnswer } from './support/provider-fixture-bodies.js';
import { onceConfigUnderPrefixes, prefixedProviders, providerOfPath } from './support/providers-under-prefixes.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An upstream that answers with a redirect (a base URL on http that the provider moves to
 * https, a path moved, a proxy's login page). The gateway does not follow it: a redirect's
 * target may be another host, and the request carries the provider's credentials. Nor is
 * the 3xx's body the answer: it is a 502 `upstream_invalid_response` naming the redirect,
 * whatever the body holds, and the target hears nothing.
 */

let status = 307;
/** Requests the redirect's target received (it must receive none). */
const targetHits: string[] = [];
let target: LoopbackUpstream;
let upstream: LoopbackUpstream;
let gateway: TestGateway;
beforeAll(async () => {
  target = await startLoopbackUpstream((req, _body, res) => {
    targetHits.push(req.url ?? '');
    res.writeHead(500);
    res.end();
  });
  upstream = await startLoopbackUpstream((req, requestBody, res) => {
    const stream = asksForStream(req.url, requestBody);
    // The provider's real answer as the redirect's body: what a 200 would have been.
    const { body, contentType } = recordedAnswer(providerOfPath(req.url) ?? 'openai', stream);
    res.writeHead(status, { location: `${target.origin}${req.url ?? '/'}`, 'content-type': contentType, 'content-length': String(body.length) });
    res.end(body);
  });
  gateway = await startTestGateway(onceConfigUnderPrefixes(upstream.origin, fixtureTargets));
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  await target?.close();
});

const cases = prefixedProviders.flatMap((provider) => [false, true].flatMap((stream) => dialects.flatMap((dialect) => [301, 302, 307, 308].map((code) => ({ provider, stream, dialect, code })))));

describe('an upstream that answers with a redirect', () => {
  it.each(cases)('$provider, stream $stream, $dialect, $code: a 502 naming the redirect, not its body as the answer; the target hears nothing', async ({ provider, stream, dialect, code }) => {
    status = code;
    targetHits.length = 0;
    const response = await callInDialect(gateway, dialect, { model: `${provider}-once`, stream, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
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
    expect(body.error.message).not.toContain(new URL(target.origin).port);
    expect(targetHits).toEqual([]);
  });
});
