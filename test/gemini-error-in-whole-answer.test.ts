import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnswerAt200Upstream, type AnswerAt200Upstream } from './support/answer-at-200-upstream.js';
import { callInDialect } from './support/call-in-dialect.js';
import { onceConfigUnderPrefixes } from './support/providers-under-prefixes.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A Gemini upstream (or a proxy in front of it) that answers a failure at 200 with the
 * google.rpc.Status envelope, `{"error":{"code":429,"status":"RESOURCE_EXHAUSTED",…}}`
 * (or the streaming endpoint's list of it), whole or to a stream request. It was read as
 * an answer without a candidate: a 502 upstream_invalid_response, the rate limit or
 * overload it says lost. It is now that error, as the same envelope inside a stream is.
 */

let upstream: AnswerAt200Upstream;

let gateway: TestGateway;
beforeAll(async () => {
  upstream = await startAnswerAt200Upstream();
  gateway = await startTestGateway(onceConfigUnderPrefixes(upstream.origin, { gemini: 'gemini/gemini-2.5-flash' }));
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const call = (stream: boolean): Promise<Response> => callInDialect(gateway, 'chat', { model: 'gemini-once', stream, messages: [{ role: 'user', content: 'hi' }] });

const limited = { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } };
const cases = [false, true].flatMap((stream) => [
  { stream, shape: 'object', text: JSON.stringify(limited), status: 429, code: 'rate_limit_exceeded' },
  { stream, shape: 'list', text: JSON.stringify([limited]), status: 429, code: 'rate_limit_exceeded' },
  { stream, shape: 'overload', text: JSON.stringify({ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }), status: 503, code: 'upstream_overloaded' },
  { stream, shape: 'code 200', text: JSON.stringify({ error: { code: 200, message: 'Internal error encountered.' } }), status: 502, code: 'upstream_server_error' },
]);

describe("Gemini's error envelope answered at 200", () => {
  it.each(cases)('stream $stream, $shape: $status $code', async ({ stream, text, status, code }) => {
    upstream.answerWith(text);
    const response = await call(stream);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
  });
});
