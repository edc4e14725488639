import { MemoryResponseStore, type ResponseStore, type StoredResponse } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// Two gateway instances sharing one response store, as they do on the storage
// plugin's database: a conversation started on one continues on the other, and a
// client that continues the moment it has its answer finds the response saved,
// because the save is awaited before the answer's last bytes (here it is slowed
// down on purpose, so a save that raced the answer would be seen missing).

class SlowStore implements ResponseStore {
  private readonly inner = new MemoryResponseStore();
  migrate = () => this.inner.migrate();
  async put(response: StoredResponse): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 300));
    await this.inner.put(response);
  }
  get = (owner: string, id: string) => this.inner.get(owner, id);
  delete = (owner: string, id: string) => this.inner.delete(owner, id);
  deleteExpired = (now?: Date) => this.inner.deleteExpired(now);
  close = () => this.inner.close();
}

let first: TestGateway;
let second: TestGateway;
let upstream: MockOpenAI;

beforeAll(async () => {
  const shared = new SlowStore();
  upstream = await startMockOpenAI();
  // OpenAI takes the Responses pass-through: its saves must be awaited the same way.
  const providers = { mock: {}, openai: { api_key: 'sk-shared-store-0123', base_url: upstream.url } };
  first = await startTestGateway({ providers });
  second = await startTestGateway({ providers });
  for (const gateway of [first, second]) Object.defineProperty(gateway.gateway.runtime, 'responses', { value: shared });
});
afterAll(async () => {
  await first?.close();
  await second?.close();
  await upstream?.close();
});

describe('stored responses on two instances sharing a store', () => {
  const clientOf = (gateway: TestGateway) => new OpenAI({ apiKey: masterKey, baseURL: gateway.baseURL, maxRetries: 0 });

  it('continues on the second instance a conversation the first answered, whole and streamed, the moment the answer is in', async () => {
    const one = clientOf(first);
    const two = clientOf(second);
    const whole = await one.responses.create({ model: 'mock/echo', input: 'first turn' });
    expect((await two.responses.retrieve(whole.id)).output_text).toBe('first turn');

    const streamed = await one.responses.stream({ model: 'mock/echo', input: 'second turn', previous_response_id: whole.id }).finalResponse();
    expect((await two.responses.retrieve(streamed.id)).id).toBe(streamed.id);
    const items = await two.responses.inputItems.list(streamed.id);
    expect(items.data).toMatchObject([{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'second turn' }] }]);

    const third = await two.responses.create({ model: 'mock/echo', input: 'third turn', previous_response_id: streamed.id });
    expect(third.previous_response_id).toBe(streamed.id);
    await two.responses.delete(third.id);
    await expect(one.responses.retrieve(third.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('does the same on the OpenAI Responses pass-through, whole and streamed', async () => {
    const one = clientOf(first);
    const two = clientOf(second);
    const { data: whole, response } = await one.responses.create({ model: 'openai/gpt-4o-mini', input: 'first turn' }).withResponse();
    expect(response.headers.get('x-switchyard-path')).toBe('fast');
    expect((await two.responses.retrieve(whole.id)).output_text).toBe('Echo: first turn');
    const streamed = await one.responses.stream({ model: 'openai/gpt-4o-mini', input: 'second turn', previous_response_id: whole.id }).finalResponse();
    expect((await two.responses.retrieve(streamed.id)).output_text).toBe('Echo: second turn');
    const third = await two.responses.create({ model: 'openai/gpt-4o-mini', input: 'third turn', previous_response_id: streamed.id });
    expect(JSON.stringify(upstream.requests.at(-1)!.body)).toContain('Echo: second turn');
    expect(third.previous_response_id).toBe(streamed.id);
  });
});
