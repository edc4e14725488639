import { startMockAnthropic, startMockOpenAI, type MockAnthropic, type MockOpenAI } from '@switchyard/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * What only the Responses pass-through carries (OpenAI's built-in tools, reasoning
 * items with encrypted_content, `include`), and conversations that move between an
 * OpenAI deployment (pass-through) and an Anthropic one (translated) with
 * `previous_response_id`: the gateway keeps every stored response itself.
 */

const openAIKey = 'sk-openai-rpass-0123456789';
const anthropicKey = 'sk-ant-rpass-0123456789';
let openai: MockOpenAI;
let anthropic: MockAnthropic;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  openai = await startMockOpenAI({ apiKey: openAIKey });
  anthropic = await startMockAnthropic({ apiKey: anthropicKey });
  gateway = await startTestGateway({
    providers: { openai: { api_key: openAIKey, base_url: openai.url }, anthropic: { api_key: anthropicKey, base_url: anthropic.url } },
    models: { either: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 }, fallbacks: ['anthropic/claude-sonnet-4-5'] } },
  });
  client = new OpenAI({ apiKey: masterKey, baseURL: gateway.baseURL, maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.close();
  await openai?.close();
  await anthropic?.close();
});
beforeEach(() => {
  openai.reset();
  anthropic.reset();
});

const encrypted = 'gAAAAABoEncryptedReasoningBlob0123456789==';
const reasoningItem = { type: 'reasoning' as const, id: 'rs_upstream_1', summary: [{ type: 'summary_text' as const, text: 'Thinking about Paris.' }], encrypted_content: encrypted };

describe('the Responses pass-through carries what the translation cannot', () => {
  it('sends a built-in tool, include and an encrypted reasoning item upstream unchanged', async () => {
    const tools: OpenAI.Responses.Tool[] = [{ type: 'web_search', search_context_size: 'low' } as OpenAI.Responses.Tool];
    const input: OpenAI.Responses.ResponseInput = [
      { role: 'user', content: 'Weather in Paris?' },
      reasoningItem,
      { type: 'message', id: 'msg_upstream_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Let me check.', annotations: [] }] },
      { role: 'user', content: 'And tomorrow?' },
    ];
    const { data: response, response: raw } = await client.responses.create({ model: 'openai/gpt-4o-mini', input, tools, include: ['reasoning.encrypted_content'], reasoning: { effort: 'low' } }).withResponse();
    expect(raw.headers.get('x-switchyard-path')).toBe('fast');
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('Echo: And tomorrow?');
    const sent = openai.requests.at(-1)!;
    expect(sent.path).toBe('/v1/responses');
    const body = sent.body as Record<string, unknown>;
    expect(body['tools']).toEqual(tools);
    expect(body['include']).toEqual(['reasoning.encrypted_content']);
    expect(body['reasoning']).toEqual({ effort: 'low' });
    expect(body['model']).toBe('gpt-4o-mini');
    expect((body['input'] as unknown[])[1]).toEqual(reasoningItem);
  });

  it('answers a built-in tool sent to an Anthropic deployment with the translation refusal (400), and never calls upstream', async () => {
    const error = await client.responses.create({ model: 'anthropic/claude-sonnet-4-5', input: 'Weather?', tools: [{ type: 'web_search' } as OpenAI.Responses.Tool] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("built-in tool 'web_search'");
    expect(anthropic.requests).toHaveLength(0);
    // The same to OpenAI with the pass-through off (server.fast_path: false) is refused alike: the translation cannot carry it.
    const translating = await startTestGateway({ server: { fast_path: false }, providers: { openai: { api_key: openAIKey, base_url: openai.url } } });
    try {
      const off = new OpenAI({ apiKey: masterKey, baseURL: translating.baseURL, maxRetries: 0 });
      const refused = await off.responses.create({ model: 'openai/gpt-4o-mini', input: 'Weather?', tools: [{ type: 'web_search' } as OpenAI.Responses.Tool] }).catch((caught: unknown) => caught);
      expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
      expect((refused as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('tools[0].type');
      expect(openai.requests).toHaveLength(0);
    } finally {
      await translating.close();
    }
  });

  it('returns reasoning with encrypted_content from upstream as it came, and a web_search_call item in input is carried too', async () => {
    openai.enqueue({ reply: { content: 'Sunny.', reasoning: 'Paris in summer.' } });
    const response = await client.responses.create({
      model: 'openai/gpt-4o-mini',
      include: ['reasoning.encrypted_content'],
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'paris weather' } } as OpenAI.Responses.ResponseInputItem,
      ],
    });
    const reasoning = response.output.find((item) => item.type === 'reasoning');
    expect(reasoning).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'Paris in summer.' }] });
    expect((reasoning as { encrypted_content?: string }).encrypted_content).toMatch(/^gAAAA/);
    expect(JSON.stringify(openai.requests.at(-1)!.body)).toContain('"type":"web_search_call"');
  });
});

describe('fields the gateway does not read', () => {
  it('are forwarded to OpenAI on the pass-through; one OpenAI does not know gets its 400, never a 5xx', async () => {
    const error = await client.responses.create({ model: 'openai/gpt-4o-mini', input: 'hi', not_a_field: 1 } as OpenAI.Responses.ResponseCreateParamsNonStreaming).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((openai.requests.at(-1)!.body as Record<string, unknown>)['not_a_field']).toBe(1);
    expect(JSON.stringify((error as InstanceType<typeof OpenAI.BadRequestError>).error)).not.toContain(openAIKey);
  });
});

describe('a conversation moves between OpenAI (pass-through) and Anthropic (translated)', () => {
  it('starts on OpenAI and continues on Anthropic, then back on OpenAI', async () => {
    openai.enqueue({ reply: { content: 'Paris is sunny.', reasoning: 'Looking it up.' } });
    const first = await client.responses.create({ model: 'openai/gpt-4o-mini', input: 'Weather in Paris?', include: ['reasoning.encrypted_content'] });
    expect(first.output_text).toBe('Paris is sunny.');

    const second = await client.responses.create({ model: 'anthropic/claude-sonnet-4-5', previous_response_id: first.id, input: 'And in Rome?' });
    expect(second.status).toBe('completed');
    expect(second.previous_response_id).toBe(first.id);
    // Anthropic got the whole conversation, the OpenAI answer as the assistant's turn.
    const anthropicBody = JSON.stringify(anthropic.requests.at(-1)!.body);
    expect(anthropicBody).toContain('Weather in Paris?');
    expect(anthropicBody).toContain('Paris is sunny.');
    expect(anthropicBody).toContain('And in Rome?');

    const third = await client.responses.create({ model: 'openai/gpt-4o-mini', previous_response_id: second.id, input: 'Thanks!' });
    expect(third.output_text).toBe('Echo: Thanks!');
    const sent = openai.requests.at(-1)!.body as { input: Array<Record<string, unknown>>; store: boolean };
    expect(sent.store).toBe(false);
    const texts = JSON.stringify(sent.input);
    expect(texts).toContain('Weather in Paris?');
    expect(texts).toContain('Paris is sunny.');
    expect(texts).toContain(second.output_text);
    expect(texts).toContain('Thanks!');
    // The upstream's reasoning item went back to OpenAI as it came; user messages carry no gateway ids.
    expect(sent.input.filter((item) => item['type'] === 'reasoning')).toEqual([first.output.find((item) => item.type === 'reasoning')]);
    expect(sent.input.filter((item) => item['role'] === 'user').every((item) => item['id'] === undefined)).toBe(true);
  });

  it('leaves out reasoning items OpenAI cannot resolve without its store (no encrypted_content)', async () => {
    openai.enqueue({ reply: { content: 'Sunny.', reasoning: 'Hm.' } });
    const first = await client.responses.create({ model: 'openai/gpt-4o-mini', input: 'Weather?' });
    expect(first.output.some((item) => item.type === 'reasoning')).toBe(true);
    await client.responses.create({
      model: 'openai/gpt-4o-mini', previous_response_id: first.id,
      input: [{ type: 'reasoning', id: 'rs_bare', summary: [] }, reasoningItem, { role: 'user', content: 'Tomorrow?' }],
    });
    const sent = openai.requests.at(-1)!.body as { input: Array<Record<string, unknown>> };
    expect(sent.input.filter((item) => item['type'] === 'reasoning')).toEqual([reasoningItem]);
  });

  it('starts on Anthropic and continues on OpenAI (streamed), stored and retrievable on the gateway', async () => {
    const first = await client.responses.create({ model: 'anthropic/claude-sonnet-4-5', input: 'Hello from Anthropic?' });
    const stream = await client.responses.create({ model: 'openai/gpt-4o-mini', previous_response_id: first.id, input: 'Now OpenAI.', stream: true });
    let id = '';
    let text = '';
    for await (const event of stream) {
      if (event.type === 'response.completed') id = event.response.id;
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe('Echo: Now OpenAI.');
    expect(JSON.stringify(openai.requests.at(-1)!.body)).toContain(first.output_text);
    const stored = await client.responses.retrieve(id);
    expect(stored.output_text).toBe('Echo: Now OpenAI.');
    expect(stored.previous_response_id).toBe(first.id);
    const items = await client.responses.inputItems.list(id);
    expect(JSON.stringify(items.data)).toContain('Now OpenAI.');
  });
});

describe('the pass-through is decided per attempt', () => {
  it('falls back from a failing OpenAI pass-through (before the first byte) to Anthropic, translated, streamed', async () => {
    openai.enqueue({ error: 'server_error' });
    const { data: stream, response } = await client.responses.create({ model: 'either', input: 'Hello?', stream: true }).withResponse();
    let text = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(response.headers.get('x-switchyard-provider')).toBe('anthropic');
    expect(response.headers.get('x-switchyard-path')).toBeNull();
    expect(openai.requests.map((request) => request.path)).toEqual(['/v1/responses']);
    expect(anthropic.requests).toHaveLength(1);
    expect(text.length).toBeGreaterThan(0);
    expect(completed?.model).toBe('anthropic/claude-sonnet-4-5');
  });

  it('does not fall back to a translated deployment with built-in tools: the refusal answers', async () => {
    openai.enqueue({ error: 'server_error' });
    const error = await client.responses.create({ model: 'either', input: 'Weather?', tools: [{ type: 'web_search' } as OpenAI.Responses.Tool] }).catch((caught: unknown) => caught);
    // The fallback cannot carry the built-in tool: its refusal is the answer, and nothing reaches Anthropic.
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(openai.requests).toHaveLength(1);
    expect(anthropic.requests).toHaveLength(0);
  });
});
