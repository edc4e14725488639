import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCacheGateway, type CacheGateway } from './support/start-cache-gateway.js';

/**
 * An OpenAI upstream's base64 embeddings go to a base64 client undecoded, so a vector
 * whose float32s are NaN or infinite reaches it as sent. Stored, that entry answered a
 * float client's hit with `[null, null]` (JSON has no NaN), where its miss is asked for
 * floats: an entry whose vectors are not all finite numbers is not stored.
 */
let upstream: MockOpenAI;
let gateway: CacheGateway;

beforeAll(async () => {
  upstream = await startMockOpenAI();
  gateway = await startCacheGateway({}, upstream.url);
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** Two float32s: NaN (all bits set) and +Infinity. */
const unreadable = Buffer.from(new Float32Array([Number.NaN, Number.POSITIVE_INFINITY]).buffer).toString('base64');

async function embed(encoding: 'base64' | 'float') {
  const response = await gateway.client().embeddings.create({ model: 'openai/text-embedding-3-small', input: 'a vector of NaN', encoding_format: encoding }).withResponse();
  return { cache: response.response.headers.get('x-switchyard-cache'), embedding: response.data.data[0]!.embedding };
}

it('a base64 answer holding NaN or Infinity is not stored: a float client after it gets the upstream’s floats, not nulls', async () => {
  upstream.enqueue({ match: { path: '/embeddings' }, body: { object: 'list', data: [{ object: 'embedding', index: 0, embedding: unreadable }], model: 'text-embedding-3-small', usage: { prompt_tokens: 4, total_tokens: 4 } } });
  expect(await embed('base64')).toMatchObject({ cache: 'MISS' });

  const floats = await embed('float');
  expect(floats.cache).toBe('MISS');
  expect(floats.embedding.length).toBeGreaterThan(0);
  expect((floats.embedding as unknown[]).every((value) => typeof value === 'number' && Number.isFinite(value))).toBe(true);
  expect(upstream.requests.filter((request) => request.path.endsWith('/embeddings'))).toHaveLength(2);
});
