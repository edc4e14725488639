import { readFixture } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callInDialect } from './support/call-in-dialect.js';
import { startLoopbackUpstream, type LoopbackUpstream } from './support/loopback-upstream.js';
import { fixtureProviders } from './support/provider-fixture-bodies.js';
import { onceConfigUnderPrefixes } from './support/providers-under-prefixes.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * /v1/messages allows 64 stop_sequences; Gemini takes at most 5 (generationConfig.stopSequences).
 * A translated call with more went upstream and came back as Gemini's own 400, which named
 * no limit the client could act on. The gateway refuses it itself, in the client's dialect.
 */
let upstream: LoopbackUpstream;
let gateway: TestGateway;
const received: unknown[] = [];
beforeAll(async () => {
  upstream = await startLoopbackUpstream((_req, body, res) => {
    received.push(JSON.parse(body.toString()));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(readFixture(fixtureProviders.gemini.dir, 'response.json'));
  });
  gateway = await startTestGateway(onceConfigUnderPrefixes(upstream.origin, { gemini: fixtureProviders.gemini.target }));
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const ask = (stop_sequences: string[]) =>
  callInDialect(gateway, 'messages', { model: 'gemini-once', max_tokens: 50, stop_sequences, messages: [{ role: 'user', content: 'hi' }] });

describe('stop sequences over a provider limit', () => {
  it('Gemini: 6 stop sequences on /v1/messages are a gateway 400 in the Anthropic shape naming the limit, not sent', async () => {
    received.length = 0;
    const response = await ask(['a', 'b', 'c', 'd', 'e', 'f']);
    const body = (await response.json()) as { type?: string; error?: { type?: string; message?: string } };
    expect(response.status).toBe(400);
    expect(body.type).toBe('error');
    expect(body.error?.type).toBe('invalid_request_error');
    expect(body.error?.message).toContain('at most 5 stop sequences');
    expect(received).toHaveLength(0);
  });

  it('Gemini: 5 stop sequences are sent as they are', async () => {
    received.length = 0;
    const response = await ask(['a', 'b', 'c', 'd', 'e']);
    expect(response.status).toBe(200);
    expect(received).toMatchObject([{ generationConfig: { stopSequences: ['a', 'b', 'c', 'd', 'e'] } }]);
  });
});
