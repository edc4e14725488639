import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const epoch = new Date(0).toISOString();

/**
 * An OpenAI-compatible upstream that counts prompt tokens as tokenizers do for Chinese
 * text: about one a character (o200k and cl100k both take most common characters as
 * one token), where the gateway's old estimate took four characters a token. Digits
 * and punctuation are counted so too, as tokenizers that split every digit (Llama 2,
 * Gemma, Mistral's) and runs of symbols do.
 */
const upstream = createServer((req, res) => {
  let text = '';
  req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  req.on('end', () => {
    const body = JSON.parse(text) as { messages: Array<{ content: string }> };
    const promptTokens = body.messages.reduce((sum, message) => sum + [...message.content].length, 0);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-4o-mini',
        choices: [{ index: 0, message: { role: 'assistant', content: '好' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: promptTokens, completion_tokens: 1, total_tokens: promptTokens + 1 },
      }),
    );
  });
});

let gateway: TestGateway;

beforeAll(async () => {
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-non-latin-')) },
    providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1` } },
    prices: { 'openai/gpt-4o-mini': { input: 100, output: 100 } },
    storage: { use: 'sqlite' },
  });
});
afterAll(async () => {
  await gateway.close();
  upstream.close();
});

// 4,000 characters each: about 4,000 tokens, $0.40 a request at $100 a million.
const prompts = [
  { name: 'Chinese', content: '天地玄黄宇宙洪荒日月盈昃辰宿列张'.repeat(250) },
  { name: 'digit', content: '3141592653589793'.repeat(250) },
  { name: 'digit and punctuation', content: '3.14,15;92-65+35/89*79=32(38)4!'.repeat(125) + '0'.repeat(125) },
];

describe('budgets and prompts a tokenizer splits a token a character', () => {
  it.each(prompts)('40 concurrent $name prompts against a budget of 2 USD spend at most 2 USD plus one request (their maximum was reserved at a quarter of their cost)', async ({ name, content }) => {
    expect(content).toHaveLength(4000);
    const created = await fetch(`${gateway.origin}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, scope: { budget: { limit_usd: 2, period: 'total' } } }),
    });
    const key = (await created.json()) as { key: { id: string }; secret: string };
    const statuses = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const response = await fetch(`${gateway.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
          body: JSON.stringify({ model: 'openai/gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content }] }),
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.key.id}`, epoch)).toBe(0);
    const spent = await budgets.spent(`key:${key.key.id}`, epoch);
    const oneRequest = (4000 * 100 + 10 * 100) / 1_000_000;
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(2 + oneRequest);
  });
});
