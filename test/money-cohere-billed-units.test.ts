import { PriceCatalog, type RequestRecord } from '@switchyard/core';
import { startMockCohere, type MockCohere } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Cohere's usage holds two counts: `tokens`, what the model processed (its prompt
 * template and special tokens included), and `billed_units`, what Cohere invoices
 * ("the tokens that you're actually billed for"). The gateway bills `billed_units`,
 * as the fixtures send them (71 billed input tokens of 1,184 processed).
 */

const apiKey = 'co-billed-units-test-0123456789';
const prices = new PriceCatalog();
let cohere: MockCohere;
let gateway: TestGateway;
const records: RequestRecord[] = [];

beforeAll(async () => {
  cohere = await startMockCohere({ apiKey });
  gateway = await startTestGateway({ providers: { cohere: { api_key: apiKey, base_url: cohere.url } } });
  gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
});
afterAll(async () => {
  await gateway.close();
  await cohere.close();
});
beforeEach(() => cohere.reset());

async function chat(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'cohere/command-a-03-2025', messages: [{ role: 'user', content: 'Weather in Paris?' }], ...body }),
  });
}

describe('Cohere is billed what Cohere invoices', () => {
  it.each([
    ['a whole answer', 'response.json', false],
    ['a stream', 'stream-text-only.txt', true],
  ])('%s is billed its usage.billed_units, not usage.tokens, and the client reads those counts', async (_name, fixture, stream) => {
    cohere.enqueue({ fixture });
    const before = records.length;
    const response = await chat(stream ? { stream: true, stream_options: { include_usage: true } } : {});
    expect(response.status).toBe(200);
    const text = await response.text();
    await expect.poll(() => records.length).toBe(before + 1);
    const record = records[before]!;
    expect(record.usage).toMatchObject({ inputTokens: 71, outputTokens: 14 });
    expect(record.costUsd).toBeCloseTo(prices.cost('cohere', 'command-a-03-2025', { inputTokens: 71, outputTokens: 14 }).costUsd, 12);
    expect(record.costUsd).toBeGreaterThan(0);
    const usageText = stream ? text.split('\n').filter((line) => line.includes('"usage":{')).at(-1)! : text;
    expect(usageText).toContain('"prompt_tokens":71');
    expect(usageText).toContain('"completion_tokens":14');
  });

  it('an answer without billed_units is billed its tokens', async () => {
    cohere.enqueue({
      body: { id: 'c1', message: { role: 'assistant', content: [{ type: 'text', text: 'Mild.' }] }, finish_reason: 'COMPLETE', usage: { tokens: { input_tokens: 40, output_tokens: 3 } } },
    });
    const before = records.length;
    expect((await chat({})).status).toBe(200);
    await expect.poll(() => records.length).toBe(before + 1);
    expect(records[before]!.usage).toMatchObject({ inputTokens: 40, outputTokens: 3 });
  });
});
