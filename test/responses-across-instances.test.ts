import { findPostgres, freshSchemaName } from '@switchyard/testing';
import OpenAI from 'openai';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const target = await findPostgres();

/**
 * Stored Responses API responses live in the storage plugin: two gateways on one
 * PostgreSQL database (as two instances behind a load balancer) share them, per key.
 */
describe.skipIf(!target.available)('stored responses across two gateway instances on one PostgreSQL', () => {
  const url = target.available ? target.url : '';
  const schema = freshSchemaName();
  let first: TestGateway;
  let second: TestGateway;

  beforeAll(async () => {
    const config = { providers: { mock: {} }, storage: { use: 'postgres', url, schema } };
    first = await startTestGateway(config);
    second = await startTestGateway(config);
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  async function createKey(): Promise<string> {
    const response = await fetch(`${first.origin}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `across-${Math.random().toString(36).slice(2, 10)}` }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { secret: string }).secret;
  }

  const clientOf = (gateway: TestGateway, key: string) => new OpenAI({ apiKey: key, baseURL: gateway.baseURL, maxRetries: 0 });

  it('continues on instance B a conversation started on instance A, with the whole history sent upstream', async () => {
    const key = await createKey();
    const onA = clientOf(first, key);
    const onB = clientOf(second, key);
    const opening = await onA.responses.create({ model: 'mock/echo', input: 'My name is Ada.', store: true });
    expect(opening.status).toBe('completed');

    const followUp = await onB.responses.create({ model: 'mock/echo', input: 'What is my name?', previous_response_id: opening.id });
    expect(followUp.status).toBe('completed');
    expect(followUp.previous_response_id).toBe(opening.id);
    // The mock answers the last user message and counts every prompt token it was sent:
    // the same question without the stored turn costs fewer, so B sent A's turn upstream.
    expect(followUp.output_text).toContain('What is my name?');
    const alone = await onB.responses.create({ model: 'mock/echo', input: 'What is my name?', store: false });
    expect(followUp.usage!.input_tokens).toBeGreaterThan(alone.usage!.input_tokens);

    // And back again: A continues what B stored.
    const third = await onA.responses.create({ model: 'mock/echo', input: 'Thanks.', previous_response_id: followUp.id });
    expect(third.status).toBe('completed');
  });

  it('reads on B what A stored, deletes it on B, and A no longer finds it', async () => {
    const key = await createKey();
    const stored = await clientOf(first, key).responses.create({ model: 'mock/echo', input: 'keep me' });
    const read = await clientOf(second, key).responses.retrieve(stored.id);
    expect(read.id).toBe(stored.id);
    expect(read.output_text).toBe(stored.output_text);

    const deleted = await fetch(`${second.baseURL}/responses/${stored.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });
    expect(deleted.status).toBe(200);
    const gone = await fetch(`${first.baseURL}/responses/${stored.id}`, { headers: { authorization: `Bearer ${key}` } });
    expect(gone.status).toBe(404);
  });

  it('gives another key a 404 on either instance, and refuses to continue its conversation', async () => {
    const owner = await createKey();
    const stranger = await createKey();
    const stored = await clientOf(first, owner).responses.create({ model: 'mock/echo', input: 'private' });
    for (const gateway of [first, second]) {
      const read = await fetch(`${gateway.baseURL}/responses/${stored.id}`, { headers: { authorization: `Bearer ${stranger}` } });
      expect(read.status).toBe(404);
      const removed = await fetch(`${gateway.baseURL}/responses/${stored.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${stranger}` } });
      expect(removed.status).toBe(404);
    }
    const hijack = await clientOf(second, stranger)
      .responses.create({ model: 'mock/echo', input: 'and then?', previous_response_id: stored.id })
      .catch((error: unknown) => error);
    expect(hijack).toBeInstanceOf(OpenAI.APIError);
    expect((hijack as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    // Still there for its owner.
    expect((await clientOf(second, owner).responses.retrieve(stored.id)).id).toBe(stored.id);
  });
});
