import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A client's `x-request-id` made of id characters only (letters, digits, `_.:-`) was kept
 * whatever it held: a key sent there by mistake (a header set from the wrong variable, a
 * proxy copying `Authorization` into it) went into every log line of the request, the
 * `x-client-request-id` echo and the request span. An id holding a key-shaped string is
 * now not kept, as one with other characters is not; plain ids still are.
 */

let gateway: TestGateway;

beforeAll(async () => {
  // An upstream nobody listens on: each request fails and logs a line of its own (request failed upstream), which carries the client's id.
  gateway = await startTestGateway({
    providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: 'http://127.0.0.1:9/v1' } },
    models: { down: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } } },
    log: { level: 'debug' },
  });
});
afterAll(async () => {
  await gateway?.close();
});

async function chat(requestId: string): Promise<Response> {
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ model: 'down', messages: [{ role: 'user', content: 'hi' }] }),
  });
  await response.arrayBuffer();
  return response;
}

describe('a client x-request-id that holds a key', () => {
  it.each([
    ['an Anthropic key', 'sk-ant-api03-Qw3Er5Ty8Ui1Op4As6Df0GhJk2Lz'],
    ["the gateway's master key", masterKey],
    ['a key after an id prefix', 'trace_sk-proj-Zq8hV3nK5tW1xY7bR2cJ9mL4pD6fG0sA'],
    ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['a Google key', 'AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUv'],
  ])('%s: refused as any failing request is, neither echoed nor logged', async (_name, requestId) => {
    const logged = gateway.logLines.length;
    const response = await chat(requestId);
    expect(response.status).toBe(502);
    expect(response.headers.get('x-client-request-id')).toBeNull();
    const lines = gateway.logLines.slice(logged);
    expect(lines.some((line) => line.includes('request failed upstream'))).toBe(true);
    for (const line of lines) expect(line).not.toContain(requestId);
  });

  it.each([
    ['a UUID', '550e8400-e29b-41d4-a716-446655440000'],
    ['32 hex digits', '66444649ba72d1f4014a464506490b89'],
    ['a word that holds a prefix inside it', 'task-sk-12:desk-mask_skeleton'],
  ])('a plain id (%s) is still echoed and logged', async (_name, requestId) => {
    const logged = gateway.logLines.length;
    const response = await chat(requestId);
    expect(response.headers.get('x-client-request-id')).toBe(requestId);
    expect(gateway.logLines.slice(logged).some((line) => line.includes(`"clientRequestId":"${requestId}"`))).toBe(true);
  });
});
