import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestRecord } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

let openai: MockOpenAI;
let gateway: TestGateway;
let secret: string;
const records: RequestRecord[] = [];
const story = Array.from({ length: 400 }, (_, index) => `word${index}`).join(' ');

beforeAll(async () => {
  openai = await startMockOpenAI();
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-key-max-tokens-')) },
    providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: openai.url } },
    storage: { use: 'sqlite' },
  });
  gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
  // A key allowed 5 output tokens a request, with a budget held for that many.
  const created = await fetch(`${gateway.origin}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'capped', scope: { max_tokens: 5, budget: { limit_usd: 1, period: 'total' } } }),
  });
  secret = ((await created.json()) as { secret: string }).secret;
});
afterAll(async () => {
  await gateway.close();
  await openai.close();
});

describe("a key's max_tokens, on a request that leaves its limit out, on the fast path", () => {
  it.each([
    { endpoint: 'chat/completions', stream: false, field: 'max_completion_tokens' },
    { endpoint: 'chat/completions', stream: true, field: 'max_completion_tokens' },
    { endpoint: 'responses', stream: false, field: 'max_output_tokens' },
    { endpoint: 'responses', stream: true, field: 'max_output_tokens' },
  ])('$endpoint (stream $stream): sent upstream as $field, as on the translated path, so the upstream writes no more than the budget held for', async ({ endpoint, stream, field }) => {
    const before = records.length;
    const body = endpoint === 'responses' ? { model: 'openai/gpt-4o-mini', stream, input: story } : { model: 'openai/gpt-4o-mini', stream, messages: [{ role: 'user', content: story }] };
    const response = await fetch(`${gateway.baseURL}/${endpoint}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-path')).toBe('fast');
    await response.text();
    // The budget held for 5 output tokens; sent without a limit, the upstream wrote up to the model's own.
    expect(openai.requests.at(-1)!.body).toMatchObject({ [field]: 5 });
    await expect.poll(() => records.length).toBe(before + 1);
  });
});
