import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockAnthropic, startMockOpenAI, type MockAnthropic, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { createBudgetedKey } from './support/create-budgeted-key.js';

const epoch = new Date(0).toISOString();
let openai: MockOpenAI;
let anthropic: MockAnthropic;
let gateway: TestGateway;

beforeAll(async () => {
  openai = await startMockOpenAI();
  anthropic = await startMockAnthropic();
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-fast-path-only-')) },
    providers: {
      openai: { api_key: 'sk-test-abcdefgh', base_url: openai.url },
      anthropic: { api_key: 'sk-ant-test-abcdefgh', base_url: anthropic.url },
    },
    prices: { 'openai/gpt-4o-mini': { input: 100, output: 100 }, 'anthropic/claude-sonnet-4-5': { input: 100, output: 100 } },
    storage: { use: 'sqlite' },
  });
});
afterAll(async () => {
  await gateway.close();
  await openai.close();
  await anthropic.close();
});

// 4,000 letters and spaces: about 1,000 tokens, $0.10 a request at $100 a million.
const toolOutput = 'the quick brown fox jumps over the lazy dog '.repeat(91).slice(0, 4000);

/**
 * Conversations whose bulk is in what only the same-dialect fast path sends: items of
 * OpenAI's built-in and custom tools, a chat custom tool's grammar, Anthropic's server-tool blocks. The provider reads
 * them, and bills them as prompt tokens.
 */
const cases = [
  {
    name: 'a Responses custom tool call and its output',
    endpoint: 'responses',
    upstream: () => openai,
    body: {
      model: 'openai/gpt-4o-mini',
      max_output_tokens: 10,
      input: [
        { role: 'user', content: 'Run it.' },
        { type: 'custom_tool_call', call_id: 'call_1', name: 'shell', input: 'cat notes.txt' },
        { type: 'custom_tool_call_output', call_id: 'call_1', output: toolOutput },
      ],
    },
  },
  {
    name: 'a chat custom tool whose grammar holds the bulk',
    endpoint: 'chat/completions',
    upstream: () => openai,
    body: {
      model: 'openai/gpt-4o-mini',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'Query the notes.' }],
      tools: [{ type: 'custom', custom: { name: 'query', format: { type: 'grammar', grammar: { syntax: 'lark', definition: `start: ${JSON.stringify(toolOutput)}` } } } }],
    },
  },
  {
    name: 'a Responses file search call with its results',
    endpoint: 'responses',
    upstream: () => openai,
    body: {
      model: 'openai/gpt-4o-mini',
      max_output_tokens: 10,
      input: [
        { role: 'user', content: 'What do the notes say?' },
        { type: 'file_search_call', id: 'fs_1', status: 'completed', queries: ['notes'], results: [{ file_id: 'file_1', filename: 'notes.txt', score: 0.9, text: toolOutput }] },
        { role: 'user', content: 'Sum them up.' },
      ],
    },
  },
  {
    name: 'an Anthropic web search call and its results',
    endpoint: 'messages',
    upstream: () => anthropic,
    body: {
      model: 'anthropic/claude-sonnet-4-5',
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'Search the notes.' },
        {
          role: 'assistant',
          content: [
            { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'notes' } },
            { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [{ type: 'web_search_result', url: 'https://example.com/notes', title: 'Notes', encrypted_content: toolOutput, page_age: null }] },
          ],
        },
        { role: 'user', content: 'Sum them up.' },
      ],
    },
  },
] as const;

describe('budgets and prompts whose bulk only the fast path carries', () => {
  it.each(cases)('$name: 40 concurrent against a budget of 2 USD spend at most 2 USD plus one request (their prompt was left out of the hold)', async ({ name, endpoint, upstream, body }) => {
    const key = await createBudgetedKey(gateway, 2, name);
    // The provider counts the conversation as about 1,000 prompt tokens.
    for (let i = 0; i < 40; i++) upstream().enqueue({ reply: { content: 'ok', usage: { prompt_tokens: 1_020, completion_tokens: 1 } } });
    const statuses = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const response = await fetch(`${gateway.baseURL}/${endpoint}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
          body: JSON.stringify(body),
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    expect(statuses).toContain(200);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    const spent = await budgets.spent(`key:${key.id}`, epoch);
    const oneRequest = (1_020 * 100 + 10 * 100) / 1_000_000;
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(2 + oneRequest);
  });
});
