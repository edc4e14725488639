import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnswerAt200Upstream, type AnswerAt200Upstream } from './support/answer-at-200-upstream.js';
import { callInDialect, dialects, type Dialect } from './support/call-in-dialect.js';
import { onceConfigUnderPrefixes } from './support/providers-under-prefixes.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An Anthropic upstream (or a proxy in front of it) that answers a failure at 200 with
 * Anthropic's error envelope, `{"type":"error","error":{"type":"overloaded_error",…}}`,
 * whole or to a stream request. It was read as a message without content: a 502
 * upstream_invalid_response "answered without message content", the overload or rate
 * limit it says lost. It is that error now, with the status Anthropic gives its type,
 * as the same envelope inside a stream (an `error` event) already was.
 */

let upstream: AnswerAt200Upstream;

let gateway: TestGateway;
beforeAll(async () => {
  upstream = await startAnswerAt200Upstream();
  gateway = await startTestGateway(onceConfigUnderPrefixes(upstream.origin, { anthropic: 'anthropic/claude-sonnet-4-5' }));
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const call = (stream: boolean, dialect: Dialect): Promise<Response> =>
  callInDialect(gateway, dialect, { model: 'anthropic-once', stream, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });

const envelope = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message } });
const cases = [false, true].flatMap((stream) => dialects.map((dialect) => ({ stream, dialect })));

describe("Anthropic's error envelope answered at 200", () => {
  it.each(cases)('stream $stream, $dialect: overloaded_error is the overload (503 on chat, 529 on messages)', async ({ stream, dialect }) => {
    upstream.answerWith(envelope('overloaded_error', 'Overloaded'));
    const response = await call(stream, dialect);
    expect(response.status).toBe(dialect === 'chat' ? 503 : 529);
    const answer = (await response.json()) as { error: { code?: string; type: string } };
    if (dialect === 'chat') expect(answer.error.code).toBe('upstream_overloaded');
    else expect(answer.error.type).toBe('overloaded_error');
  });

  it.each(cases)('stream $stream, $dialect: rate_limit_error is a 429', async ({ stream, dialect }) => {
    upstream.answerWith(envelope('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'));
    const response = await call(stream, dialect);
    expect(response.status).toBe(429);
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe('rate_limit_error');
  });

  it.each(cases)('stream $stream, $dialect: api_error is a 502 upstream_server_error', async ({ stream, dialect }) => {
    upstream.answerWith(envelope('api_error', 'Internal server error'));
    const response = await call(stream, dialect);
    expect(response.status).toBe(502);
    const answer = (await response.json()) as { error: { code?: string; type: string } };
    if (dialect === 'chat') expect(answer.error.code).toBe('upstream_server_error');
    else expect(answer.error.type).toBe('api_error');
  });

  it('an object that is no envelope and no message is still an answer that cannot be read', async () => {
    upstream.answerWith(JSON.stringify({ type: 'error', error: 'Overloaded' }));
    const response = await call(false, 'chat');
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_invalid_response');
  });
});
