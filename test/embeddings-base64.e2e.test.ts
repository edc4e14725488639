import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A client asking base64 embeddings (the openai SDK's default) from an upstream
 * that speaks OpenAI gets the upstream's own base64, asked for upstream and passed
 * on undecoded; a float client still gets floats.
 */

const upstreamKey = 'sk-proj-embeddings-test-key-abcdefghijkl';
let upstream: MockOpenAI;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startMockOpenAI({ apiKey: upstreamKey });
  gateway = await startTestGateway({ providers: { openai: { api_key: upstreamKey, base_url: upstream.url } } });
  client = new OpenAI({ apiKey: masterKey, baseURL: gateway.baseURL, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});
beforeEach(() => upstream.reset());

const input = ['The food was delicious and the waiter was friendly.', 'Paris is the capital of France.'];

/** What the upstream itself answers a body, straight, without the gateway. */
async function straight(body: Record<string, unknown>) {
  const response = await fetch(`${upstream.url}/embeddings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${upstreamKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { data: Array<{ embedding: number[] | string }> };
}

async function viaGateway(body: Record<string, unknown>) {
  const response = await fetch(`${gateway.baseURL}/embeddings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { model: string; data: Array<{ index: number; embedding: number[] | string }>; usage: { prompt_tokens: number } };
}

describe('embeddings in base64', () => {
  it('the openai SDK (base64 by default) gets the upstream vectors, asked for and passed on in base64', async () => {
    const answer = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input, dimensions: 8 });
    const sent = upstream.requests.at(-1)!.body as Record<string, unknown>;
    expect(sent['encoding_format']).toBe('base64');
    const floats = await straight({ model: 'text-embedding-3-small', input, dimensions: 8, encoding_format: 'float' });
    // The SDK decoded what the gateway passed on: the same float32 numbers the upstream computes.
    expect(answer.data.map((item) => item.embedding)).toEqual(floats.data.map((item) => item.embedding));
    expect(answer.model).toBe('openai/text-embedding-3-small');
    expect(answer.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('a raw base64 request gets the upstream strings byte for byte', async () => {
    const body = { model: 'text-embedding-3-small', input, dimensions: 16, encoding_format: 'base64' };
    const answer = await viaGateway({ ...body, model: 'openai/text-embedding-3-small' });
    const upstreamAnswer = await straight(body);
    expect(answer.data.map((item) => item.embedding)).toEqual(upstreamAnswer.data.map((item) => item.embedding));
    expect(typeof answer.data[0]!.embedding).toBe('string');
    expect(answer.data.map((item) => item.index)).toEqual([0, 1]);
  });

  it('a float client gets floats, asked for as floats upstream', async () => {
    for (const body of [{ encoding_format: 'float' }, {}]) {
      const answer = await viaGateway({ model: 'openai/text-embedding-3-small', input, dimensions: 8, ...body });
      expect((upstream.requests.at(-1)!.body as Record<string, unknown>)['encoding_format']).toBe('float');
      expect(Array.isArray(answer.data[0]!.embedding)).toBe(true);
      expect((answer.data[0]!.embedding as number[]).every((value) => Number.isFinite(value))).toBe(true);
    }
  });

  it('an upstream that answers a base64 request with something that is not base64 float32 fails the attempt (502 upstream_invalid_response); it is never passed on', async () => {
    upstream.enqueue({
      status: 200,
      body: { object: 'list', data: [{ object: 'embedding', index: 0, embedding: 'not base64 at all!' }], model: 'text-embedding-3-small', usage: { prompt_tokens: 3, total_tokens: 3 } },
    });
    const body = { model: 'text-embedding-3-small', input: 'x', encoding_format: 'base64' };
    const answer = await viaGateway({ ...body, model: 'openai/text-embedding-3-small' });
    // The failed attempt was retried: the client gets the second answer's base64, never the upstream's text.
    expect(upstream.requests).toHaveLength(2);
    expect(answer.data.map((item) => item.embedding)).toEqual((await straight(body)).data.map((item) => item.embedding));
  });
});
