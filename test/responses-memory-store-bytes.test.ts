import { MemoryResponseStore } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// The in-memory response store (used when no storage plugin keeps responses) was
// bounded only by count: 10,000 entries near the body limit could hold gigabytes.
// It is now bounded in bytes too, dropping the least recently used first, and a
// response larger than the whole bound is answered but not stored.

const maxBytes = 200_000;
let gateway: TestGateway;
let store: MemoryResponseStore;

beforeAll(async () => {
  gateway = await startTestGateway({ providers: { mock: {} } });
  store = new MemoryResponseStore({ maxBytes });
  Object.defineProperty(gateway.gateway.runtime, 'responses', { value: store });
});
afterAll(async () => {
  await gateway?.close();
});

const headers = { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' };
async function create(input: string, previous?: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${gateway.origin}/v1/responses`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ model: 'mock/echo', input, ...(previous ? { previous_response_id: previous } : {}) }),
  });
  return { status: response.status, body: await response.json() };
}
async function retrieve(id: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${gateway.origin}/v1/responses/${id}`, { headers });
  return { status: response.status, body: await response.json() };
}
const expectGone = async (id: string) => {
  expect(await retrieve(id)).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  expect(await create('continue', id)).toMatchObject({ status: 400, body: { error: { code: 'previous_response_not_found', param: 'previous_response_id' } } });
};

describe('the in-memory response store’s byte bound, through /v1/responses', () => {
  it('drops the least recently used responses past its bytes, and the newer ones still chain', async () => {
    const ids: string[] = [];
    for (let turn = 0; turn < 12; turn++) {
      const { status, body } = await create(`turn ${turn} ${'x'.repeat(10_000)}`);
      expect(status).toBe(200);
      ids.push(body.id);
      // Reading the second keeps it in use: it outlives the ones stored before and after it.
      if (turn >= 2) expect((await retrieve(ids[1]!)).status).toBe(200);
      expect(store.bytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(store.bytes).toBeGreaterThan(maxBytes / 2);
    expect(store.size).toBeLessThan(12);
    await expectGone(ids[0]!);
    await expectGone(ids[2]!);
    expect((await retrieve(ids[1]!)).status).toBe(200);
    const next = await create('next turn', ids.at(-1));
    expect(next).toMatchObject({ status: 200, body: { previous_response_id: ids.at(-1) } });
    expect(await retrieve(next.body.id)).toMatchObject({ status: 200, body: { id: next.body.id } });
  });

  it('answers a response larger than the whole bound but does not store it, and keeps the others', async () => {
    const kept = await create('small one');
    const before = store.bytes;
    const huge = await create('y'.repeat(maxBytes));
    expect(huge.status).toBe(200);
    expect(huge.body).toMatchObject({ object: 'response', id: expect.stringMatching(/^resp_/) });
    await expectGone(huge.body.id);
    expect(store.bytes).toBe(before);
    expect((await retrieve(kept.body.id)).status).toBe(200);
  });
});
