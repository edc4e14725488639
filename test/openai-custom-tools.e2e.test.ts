import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import type { RequestRecord } from '@switchyard/core';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * OpenAI Chat Completions custom tools (GPT-5's free-form tools, `type: 'custom'`): only
 * OpenAI reads them, so they ride the same-dialect fast path alone, as a file part does
 * (docs/fast-path.md): sent upstream as written, their calls passed back as the upstream
 * wrote them (whole and streamed), usage billed, and an attempt that would be translated
 * refused with 400 before anything is sent.
 */

const upstreamKey = 'sk-proj-upstream-custom-tools-abcdefghijkl';
let upstream: MockOpenAI;
let gateway: TestGateway;
let client: OpenAI;
const records: RequestRecord[] = [];

beforeAll(async () => {
  upstream = await startMockOpenAI({ apiKey: upstreamKey });
  gateway = await startTestGateway({
    providers: { mock: {}, openai: { api_key: upstreamKey, base_url: upstream.url } },
    models: { once: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } } },
  });
  gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
  client = new OpenAI({ apiKey: masterKey, baseURL: gateway.baseURL, maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});
beforeEach(() => {
  upstream.reset();
  records.length = 0;
});

const sqlTool: OpenAI.Chat.Completions.ChatCompletionCustomTool = {
  type: 'custom',
  custom: {
    name: 'run_sql',
    description: 'Runs one read-only SQL query.',
    format: { type: 'grammar', grammar: { syntax: 'lark', definition: 'start: "SELECT " /[a-z_, ]+/ " FROM " /[a-z_]+/' } },
  },
};
const noteTool: OpenAI.Chat.Completions.ChatCompletionCustomTool = { type: 'custom', custom: { name: 'take_note', format: { type: 'text' } } };
const weatherTool: OpenAI.Chat.Completions.ChatCompletionFunctionTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

const customCall = { id: 'call_sql_1', type: 'custom', custom: { name: 'run_sql', input: 'SELECT name, price FROM books' } };
const head = { id: 'chatcmpl-custom-1', created: 1764072000, model: 'gpt-4o-mini' };
const usage = { prompt_tokens: 57, completion_tokens: 12, total_tokens: 69 };

const wholeAnswer = {
  ...head,
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null, tool_calls: [customCall] }, finish_reason: 'tool_calls' }],
  usage,
};

const chunkOf = (delta: unknown, finish: string | null = null) => ({ ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
const streamedChunks = [
  chunkOf({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_sql_1', type: 'custom', custom: { name: 'run_sql', input: '' } }] }),
  chunkOf({ tool_calls: [{ index: 0, custom: { input: 'SELECT name, price' } }] }),
  chunkOf({ tool_calls: [{ index: 0, custom: { input: ' FROM books' } }] }),
  chunkOf({}, 'tool_calls'),
  { ...head, object: 'chat.completion.chunk', choices: [], usage },
];
const streamBody = `${streamedChunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('')}data: [DONE]\n\n`;

async function lastRecord(): Promise<RequestRecord> {
  await expect.poll(() => records.length).toBe(1);
  return records[0]!;
}

describe('OpenAI chat custom tools on the same-dialect fast path', () => {
  it('sends custom tools and a custom tool choice as written, and passes a whole answer calling one back as the upstream wrote it (official client)', async () => {
    upstream.enqueue({ body: wholeAnswer });
    const completion = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'Which books cost the most?' }],
      tools: [sqlTool, noteTool, weatherTool],
      tool_choice: { type: 'custom', custom: { name: 'run_sql' } },
    });
    expect(upstream.requests[0]!.body).toMatchObject({ tools: [sqlTool, noteTool, weatherTool], tool_choice: { type: 'custom', custom: { name: 'run_sql' } } });
    expect(completion.model).toBe('openai/gpt-4o-mini');
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]!.message.tool_calls).toEqual([customCall]);
    expect(completion.usage).toMatchObject(usage);
    const record = await lastRecord();
    expect(record).toMatchObject({ status: 200, usage: { inputTokens: 57, outputTokens: 12 } });
    expect(record.usageEstimated).toBeFalsy();
  });

  it('passes a streamed custom tool call chunk by chunk as the upstream wrote it, with the usage it billed (official client)', async () => {
    upstream.enqueue({ body: streamBody, headers: { 'content-type': 'text/event-stream' } });
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'Which books cost the most?' }],
      tools: [sqlTool],
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'custom', custom: { name: 'run_sql' } }] } },
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.tool_calls ?? null)).toEqual(streamedChunks.map((chunk) => (chunk.choices[0]?.delta as { tool_calls?: unknown } | undefined)?.tool_calls ?? null));
    expect(chunks.every((chunk) => chunk.model === 'openai/gpt-4o-mini')).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean)).toEqual(['tool_calls']);
    expect(chunks.at(-1)!.usage).toMatchObject(usage);
    expect(upstream.requests[0]!.body).toMatchObject({ tools: [sqlTool], tool_choice: { type: 'allowed_tools' } });
    const record = await lastRecord();
    expect(record).toMatchObject({ status: 200, stream: true, usage: { inputTokens: 57, outputTokens: 12 } });
    expect(record.usageEstimated).toBeFalsy();
  });

  it.each([false, true])('bills a custom tool call by the estimate of its input when the upstream sends no usage (stream: %s)', async (stream) => {
    // About 500 tokens of input, in pieces when streamed.
    const input = `SELECT ${Array.from({ length: 250 }, (_, index) => `column_${index}`).join(', ')} FROM books`;
    const pieces = input.match(/.{1,100}/gs)!;
    const body = stream
      ? `${[
          chunkOf({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_sql_2', type: 'custom', custom: { name: 'run_sql', input: '' } }] }),
          ...pieces.map((piece) => chunkOf({ tool_calls: [{ index: 0, custom: { input: piece } }] })),
          chunkOf({}, 'tool_calls'),
        ].map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('')}data: [DONE]\n\n`
      : { ...wholeAnswer, usage: undefined, choices: [{ ...wholeAnswer.choices[0], message: { role: 'assistant', content: null, tool_calls: [{ ...customCall, custom: { name: 'run_sql', input } }] } }] };
    upstream.enqueue(stream ? { body, headers: { 'content-type': 'text/event-stream' } } : { body });
    const request = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Every column.' }], tools: [sqlTool] };
    let read = '';
    if (stream) {
      for await (const chunk of await client.chat.completions.create({ ...request, stream: true })) {
        // The installed SDK's chunk types name no custom call yet (openai-node's newer ones do: Delta.ToolCall.custom).
        const call = chunk.choices[0]?.delta.tool_calls?.[0] as { custom?: { input?: string } } | undefined;
        read += call?.custom?.input ?? '';
      }
    } else {
      const call = (await client.chat.completions.create(request)).choices[0]!.message.tool_calls![0]!;
      read = call.type === 'custom' ? call.custom.input : '';
    }
    expect(read).toBe(input);
    const record = await lastRecord();
    expect(record).toMatchObject({ status: 200, usageEstimated: true });
    expect(record.usage!.outputTokens).toBeGreaterThan(input.length / 8);
  });

  it('sends a history holding a custom tool call and its result as written', async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Which books cost the most?' },
      { role: 'assistant', content: null, tool_calls: [customCall as OpenAI.Chat.Completions.ChatCompletionMessageCustomToolCall] },
      { role: 'tool', tool_call_id: 'call_sql_1', content: 'Dune, 12.5' },
    ];
    const completion = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages, tools: [sqlTool] });
    expect(completion.choices[0]!.message.content).toBeTruthy();
    expect(upstream.requests[0]!.body).toMatchObject({ messages, tools: [sqlTool] });
  });

  it.each([
    ['a custom tool', { tools: [weatherTool, sqlTool] }, 'tools[1].type'],
    ['a custom tool call in the history', {
      messages: [
        { role: 'user', content: 'Which books?' },
        { role: 'assistant', content: null, tool_calls: [customCall] },
        { role: 'tool', tool_call_id: 'call_sql_1', content: 'Dune' },
      ],
    }, 'messages[1].tool_calls[0].type'],
  ])('refuses %s with 400 for a target that cannot read it, sending nothing', async (_name, extra, param) => {
    const body = { model: 'mock/echo', messages: [{ role: 'user', content: 'Which books?' }], ...extra } as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
    const refused = await client.chat.completions.create(body).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused).toMatchObject({ status: 400, code: 'invalid_request', param, message: expect.stringContaining("'custom' tools are read by OpenAI alone") });
  });

  it('refuses a custom tool with 400 when the fast path is off, before anything is sent', async () => {
    const off = await startTestGateway({ server: { fast_path: false }, providers: { openai: { api_key: upstreamKey, base_url: upstream.url } } });
    try {
      const offClient = new OpenAI({ apiKey: masterKey, baseURL: off.baseURL, maxRetries: 0 });
      const refused = await offClient.chat.completions
        .create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Which books?' }], tools: [sqlTool] })
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({ status: 400, code: 'invalid_request', param: 'tools[0].type' });
      expect(upstream.requests).toHaveLength(0);
    } finally {
      await off.close();
    }
  });

  const custom = (fields: Record<string, unknown>) => ({ tools: [{ type: 'custom', custom: { name: 'run_sql', ...fields } }] });
  it.each([
    ['a name OpenAI refuses', custom({ name: 'run sql!' }), '/tools/0/custom/name'],
    ['a name of 65 characters', custom({ name: 'x'.repeat(65) }), '/tools/0/custom/name'],
    ['no custom object', { tools: [{ type: 'custom' }] }, '/tools/0'],
    ['a grammar over 100,000 characters', custom({ format: { type: 'grammar', grammar: { syntax: 'regex', definition: 'a'.repeat(100_001) } } }), '/tools/0/custom/format/grammar/definition'],
    ['a grammar in an unknown syntax', custom({ format: { type: 'grammar', grammar: { syntax: 'ebnf', definition: 'start: "a"' } } }), '/tools/0/custom/format/grammar/syntax'],
    ['a grammar format without a grammar', custom({ format: { type: 'grammar' } }), '/tools/0/custom/format'],
    ['a description over 100,000 characters', custom({ description: 'd'.repeat(100_001) }), '/tools/0/custom/description'],
    ['a tool choice naming no custom tool', { ...custom({}), tool_choice: { type: 'custom', custom: { name: 'other' } } }, '/tool_choice/custom/name'],
    [
      'allowed tools naming no custom tool',
      { ...custom({}), tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'custom', custom: { name: 'other' } }] } } },
      '/tool_choice/allowed_tools/tools/0/custom/name',
    ],
    ['a history call without its input', { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'custom', custom: { name: 'run_sql' } }] }] }, '/messages/0/tool_calls/0/custom'],
  ])('refuses a malformed custom tool (%s) with 400 invalid_request, sending nothing', async (_name, extra, pointer) => {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Which books?' }], ...extra }),
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; param: string; message: string } };
    expect(error.code).toBe('invalid_request');
    expect(`${error.param} ${error.message}`).toContain(pointer.slice(1).replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.'));
    expect(upstream.requests).toHaveLength(0);
  });
});
