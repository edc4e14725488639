import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnswerAt200Upstream, type AnswerAt200Upstream } from './support/answer-at-200-upstream.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

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
  gateway = await startTestGateway({
    providers: { gemini: { api_key: 'AIzaSyTest0123456789abcdef', base_url: `${upstream.origin}/` } },
    chain: [{ auth: {} }, { 'key-scope': {} }, { route: {} }, { adapter: {} }],
    models: { once: { deployments: [{ target: 'gemini/gemini-2.5-flash' }], retries: { attempts: 0 } } },
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

function call(stream: boolean): Promise<Response> {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'once', stream, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

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
