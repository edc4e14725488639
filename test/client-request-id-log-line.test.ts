import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * The client's `x-request-id`, when it is a plain id, is on the request's log lines
 * (docs/observability.md): that is how a client's own logs are joined to the gateway's.
 * Every request has one line for sure, `request finished`; a request that succeeded had no
 * other, and that line did not carry the client's id, so only failures could be joined.
 */

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({});
});
afterAll(async () => {
  await gateway?.close();
});

async function finishedLine(requestId: string, stream: boolean): Promise<Record<string, unknown>> {
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ model: 'mock/echo', stream, messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  const ours = response.headers.get('x-request-id')!;
  const line = () => gateway.logLines.map((text) => JSON.parse(text) as Record<string, unknown>).find((fields) => fields['msg'] === 'request finished' && fields['requestId'] === ours);
  await expect.poll(line).toBeDefined();
  return line()!;
}

describe('the request finished line', () => {
  for (const stream of [false, true]) {
    it(`carries the client's plain x-request-id beside ours (${stream ? 'streamed' : 'whole'})`, async () => {
      // Before: no clientRequestId field on the line.
      expect((await finishedLine('client-trace:42_a.b', stream))['clientRequestId']).toBe('client-trace:42_a.b');
    });
  }

  it('leaves out an x-request-id that holds a key, as every other line does', async () => {
    const id = 'trace_sk-proj-Zq8hV3nK5tW1xY7bR2cJ9mL4pD6fG0sA';
    const line = await finishedLine(id, false);
    expect(line['clientRequestId']).toBeUndefined();
    expect(JSON.stringify(line)).not.toContain('Zq8hV3nK5tW1');
  });
});
