import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Every answer on the OpenAI surface carries an `x-request-id`, the refusals of no route too
 * (a 405 on a served path, a path nothing serves): the openai SDK reads it into
 * `error.requestID`, which was undefined for them. They are not requests of their own: no
 * log line or record per answer, so a scanner's 404s flood nothing.
 */
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  gateway = await startTestGateway({ providers: { mock: {} } });
  client = new OpenAI({ apiKey: masterKey, baseURL: gateway.baseURL, maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.close();
});

async function refusal(call: Promise<unknown>): Promise<APIError> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(APIError);
  return error as APIError;
}

describe('OpenAI-surface refusals that reach no route carry a request id', () => {
  it.each([
    ['GET /v1/chat/completions', 405, 'method_not_allowed', () => client.get('/chat/completions')],
    ['GET /v1/embeddings', 405, 'method_not_allowed', () => client.get('/embeddings')],
    ['POST /v1/models', 405, 'method_not_allowed', () => client.post('/models', { body: {} })],
    ['DELETE /v1/models/{model}', 405, 'method_not_allowed', () => client.delete('/models/mock/echo')],
    ['PUT /v1/responses', 405, 'method_not_allowed', () => client.put('/responses', { body: {} })],
    ['POST /v1/nothing-here', 404, 'not_found', () => client.post('/nothing-here', { body: {} })],
    ['GET /v1/files', 404, 'not_found', () => client.files.list()],
  ] as const)('%s: %d with error.requestID, and no log line of its own', async (_name, status, code, call) => {
    const error = await refusal(call());
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
    expect(error.requestID).toMatch(/^req_[0-9a-f]{32}$/);
    expect(gateway.logLines.filter((line) => line.includes(error.requestID!))).toEqual([]);
  });

  it('gives each refusal an id of its own, and echoes a usable client id beside it', async () => {
    const first = await fetch(`${gateway.origin}/v1/unknown`, { headers: { 'x-request-id': 'trace-1234' } });
    const second = await fetch(`${gateway.origin}/v1/chat/completions`);
    expect([first.status, second.status]).toEqual([404, 405]);
    expect(first.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(second.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(first.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'));
    expect(first.headers.get('x-client-request-id')).toBe('trace-1234');
    // One that is no token (a header injection, a huge value) is not echoed.
    const hostile = await fetch(`${gateway.origin}/v1/unknown`, { headers: { 'x-request-id': 'a b' } });
    expect(hostile.headers.get('x-client-request-id')).toBeNull();
  });
});
