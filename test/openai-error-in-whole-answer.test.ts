import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnswerAt200Upstream, type AnswerAt200Upstream } from './support/answer-at-200-upstream.js';
import { callInDialect, dialects, type Dialect } from './support/call-in-dialect.js';
import { onceConfigUnderPrefixes } from './support/providers-under-prefixes.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An OpenAI or Azure upstream (or a proxy or aggregator in front of it) that answers a
 * failure at 200 with OpenAI's error envelope as the body. The status its `code` or
 * `type` names is the failure's, as it is for the same error inside a stream and for
 * every compatible preset's whole answer: a rate limit said at 200 was answered as a
 * 502 upstream_server_error ("openai failed with status 500"), the Retry-After logic
 * and the client's rate-limit handling bypassed.
 */

let upstream: AnswerAt200Upstream;

let gateway: TestGateway;
beforeAll(async () => {
  upstream = await startAnswerAt200Upstream();
  gateway = await startTestGateway(onceConfigUnderPrefixes(upstream.origin, { openai: 'openai/gpt-4o-mini', azure: 'azure/gpt-4o-mini' }));
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const cases = (['openai', 'azure'] as const).flatMap((provider) => [false, true].flatMap((stream) => dialects.map((dialect) => ({ provider, stream, dialect }))));

const call = (provider: string, stream: boolean, dialect: Dialect): Promise<Response> =>
  callInDialect(gateway, dialect, { model: `${provider}-once`, stream, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });

describe('an OpenAI error envelope answered at 200', () => {
  it.each(cases)('$provider, stream $stream, $dialect: a rate limit named by its code is a 429 rate_limit_exceeded', async ({ provider, stream, dialect }) => {
    upstream.answerWith(JSON.stringify({ error: { message: 'Rate limit reached for requests.', type: 'requests', code: 'rate_limit_exceeded' } }));
    const response = await call(provider, stream, dialect);
    expect(response.status).toBe(429);
    const answer = (await response.json()) as { error: { code?: string; type: string } };
    expect(answer.error.type).toBe('rate_limit_error');
    if (dialect === 'chat') expect(answer.error.code).toBe('rate_limit_exceeded');
  });

  it.each(cases)('$provider, stream $stream, $dialect: an overload named by a numeric code is a 503 upstream_overloaded', async ({ provider, stream, dialect }) => {
    upstream.answerWith(JSON.stringify({ error: { message: 'The server is overloaded.', type: 'server_error', code: 503 } }));
    const response = await call(provider, stream, dialect);
    // On /v1/messages an overload is Anthropic's own 529 overloaded_error (docs/errors.md).
    expect(response.status).toBe(dialect === 'chat' ? 503 : 529);
  });

  it.each(cases)('$provider, stream $stream, $dialect: one naming no status is still a 502 upstream_server_error with its words', async ({ provider, stream, dialect }) => {
    upstream.answerWith(JSON.stringify({ error: { message: 'Something broke.', type: 'server_error', code: null } }));
    const response = await call(provider, stream, dialect);
    expect(response.status).toBe(502);
    const answer = (await response.json()) as { error: { code?: string; message: string } };
    expect(answer.error.message).toContain('Something broke.');
    if (dialect === 'chat') expect(answer.error.code).toBe('upstream_server_error');
  });
});
