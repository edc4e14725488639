import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestRecord } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { recordQueue } from './support/request-records.js';
import { ledgerRow } from './support/ledger-row.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A cost is tokens times a price per million, in binary floats: 3 tokens at $0.10 a million
 * is 3.0000000000000004e-7, and $0.0001 + $0.0002 (a billed failed attempt beside the answer)
 * 0.00030000000000000003. What a user reads (the request's record, its log line, the ledger
 * row the admin API returns) is the cost to the pico-dollar,
 * without that noise.
 */

let primary: MockOpenAI;
let gateway: TestGateway;
let records: ReturnType<typeof recordQueue>;

beforeAll(async () => {
  primary = await startMockOpenAI();
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-exact-costs-')) },
    providers: { primary: { use: 'openai', api_key: 'sk-test-primary-0123', base_url: primary.url } },
    models: {
      tenth: { deployments: [{ target: 'primary/model-a' }], retries: { attempts: 0 } },
      retried: { deployments: [{ target: 'primary/model-b' }], retries: { attempts: 1, backoff_ms: 1 } },
    },
    prices: { 'primary/model-a': { input: 0.1, output: 0 }, 'primary/model-b': { input: 1, output: 0 } },
    storage: { use: 'sqlite' },
    usage: { flush_interval_ms: 20 },
  });
  records = recordQueue(gateway);
});
afterAll(async () => {
  await gateway.close();
  await primary.close();
});
beforeEach(() => primary.reset());

async function ask(secret: string, model: string): Promise<void> {
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ model, max_tokens: 20, messages: [{ role: 'user', content: 'hello' }] }),
  });
  expect(response.status).toBe(200);
}

/** The record, its log line and its ledger row all say `expected`, exactly. */
async function expectExactCost(record: RequestRecord, keyId: string, expected: number): Promise<void> {
  expect(record.costUsd).toBe(expected);
  const line = gateway.logLines.find((candidate) => candidate.includes(`"requestId":"${record.id}"`) && candidate.includes('"costUsd"'));
  expect((JSON.parse(line!) as { costUsd: unknown }).costUsd).toBe(expected);
  expect((await ledgerRow(gateway, record.id, keyId)).cost_usd).toBe(expected);
}

describe('costs a user reads are exact to the pico-dollar', () => {
  it('one call: 3 tokens at $0.10 a million is $0.0000003', async () => {
    const key = await createBudgetedKey(gateway, 5, 'tenth');
    primary.enqueue({ reply: { content: 'hi', usage: { prompt_tokens: 3, completion_tokens: 2 } } });
    const finished = records.next();
    await ask(key.secret, 'tenth');
    await expectExactCost(await finished, key.id, 3e-7);
  });

  it('a billed failed attempt beside the answer: $0.0001 + $0.0002 is $0.0003', async () => {
    const key = await createBudgetedKey(gateway, 5, 'summed');
    const unreadable = { id: 'chatcmpl-bad', object: 'chat.completion', created: 1, model: 'model-b', choices: 'not a list', usage: { prompt_tokens: 100, completion_tokens: 0 } };
    primary.enqueue({ status: 200, body: unreadable }, { reply: { content: 'hi', usage: { prompt_tokens: 200, completion_tokens: 2 } } });
    const finished = records.next();
    await ask(key.secret, 'retried');
    await expectExactCost(await finished, key.id, 0.0003);
  });
});
