import type { RequestRecord } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI, type MockScript } from '@switchyard/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storeFlagOf } from './support/response-store-flag.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * The Responses API pass-through against the translated path: two gateways in front
 * of one OpenAI mock, one with the pass-through (OpenAI's own /v1/responses, the
 * default for OpenAI) and one with `responses_api: false` (the request translated to
 * Chat Completions). The official client must read the same output text, function
 * calls, status and usage, and the ledger must hold the same record.
 */

const apiKey = 'sk-rpass-SECRET-0123456789abcdef';
const model = 'openai/gpt-4o-mini';

type Path = 'passthrough' | 'translated';
const paths: Path[] = ['passthrough', 'translated'];
let mock: MockOpenAI;
const gateways = {} as Record<Path, TestGateway>;
const clients = {} as Record<Path, OpenAI>;
const records = { passthrough: [] as RequestRecord[], translated: [] as RequestRecord[] };

beforeAll(async () => {
  mock = await startMockOpenAI({ apiKey });
  for (const path of paths) {
    gateways[path] = await startTestGateway({
      providers: { openai: { api_key: apiKey, base_url: mock.url, responses_api: path === 'passthrough' } },
      models: { once: { deployments: [{ target: model }], retries: { attempts: 0 } } },
    });
    gateways[path].gateway.runtime.onRequestFinished((record) => records[path].push(record));
    clients[path] = new OpenAI({ apiKey: masterKey, baseURL: gateways[path].baseURL, maxRetries: 0 });
  }
});
afterAll(async () => {
  for (const path of paths) await gateways[path]?.close();
  await mock?.close();
});
beforeEach(() => {
  mock.reset();
});

/** What the client reads of a whole or streamed response, for comparison across paths. */
interface View {
  status: string | undefined;
  text: string;
  calls: Array<{ name: string; arguments: string; call_id: string }>;
  usage: unknown;
  error?: unknown;
}

function viewOf(response: OpenAI.Responses.Response): View {
  return {
    status: response.status,
    text: response.output_text,
    calls: response.output.filter((item) => item.type === 'function_call').map((item) => ({ name: item.name, arguments: item.arguments, call_id: item.call_id })),
    usage: response.usage,
  };
}

/** The ledger's record of the last request, without what differs per run (ids, times). */
async function lastRecord(path: Path, before: number) {
  await expect.poll(() => records[path].length, { timeout: 5000 }).toBeGreaterThan(before);
  const record = records[path].at(-1)!;
  return { endpoint: record.endpoint, status: record.status, errorCode: record.errorCode, usage: record.usage, costUsd: record.costUsd, stream: record.stream, model: record.model };
}

/** Runs one request on both paths with the same script, returning what each client saw, the ledger records and the upstream paths. */
async function both<T>(script: MockScript | undefined, run: (client: OpenAI) => Promise<T>) {
  const seen = {} as Record<Path, { result: T; record: Awaited<ReturnType<typeof lastRecord>>; upstreamPath: string }>;
  for (const path of paths) {
    mock.reset();
    if (script) mock.enqueue(script);
    const before = records[path].length;
    const result = await run(clients[path]);
    seen[path] = { result, record: await lastRecord(path, before), upstreamPath: mock.requests.at(-1)!.path };
  }
  expect(seen.passthrough.upstreamPath).toBe('/v1/responses');
  expect(seen.translated.upstreamPath).toBe('/v1/chat/completions');
  expect(seen.passthrough.record).toEqual(seen.translated.record);
  return seen;
}

const usage = { prompt_tokens: 41, completion_tokens: 9, cached_tokens: 16, reasoning_tokens: 3 };

async function streamView(client: OpenAI, params: OpenAI.Responses.ResponseCreateParamsStreaming): Promise<View & { types: string[]; sequence: number[] }> {
  const stream = await client.responses.create(params);
  const view: View & { types: string[]; sequence: number[] } = { status: undefined, text: '', calls: [], usage: undefined, types: [], sequence: [] };
  for await (const event of stream) {
    view.types.push(event.type);
    view.sequence.push(event.sequence_number);
    if (event.type === 'response.output_text.delta') view.text += event.delta;
    if (event.type === 'response.completed' || event.type === 'response.incomplete' || event.type === 'response.failed') {
      view.status = event.response.status;
      view.usage = event.response.usage;
      view.calls = viewOf(event.response).calls;
      if (event.type === 'response.failed') view.error = event.response.error;
    }
  }
  return view;
}

describe('Responses pass-through vs translated, through the openai client', () => {
  it('text, whole: same output text, status, usage (cached, reasoning) and ledger record; stored on the gateway', async () => {
    const seen = await both({ reply: { content: 'Partly cloudy, 18°C.', usage } }, (client) =>
      client.responses.create({ model, instructions: 'Be brief.', input: 'Weather in Paris?' }));
    expect(viewOf(seen.passthrough.result)).toEqual(viewOf(seen.translated.result));
    expect(seen.passthrough.result.usage).toMatchObject({ input_tokens: 41, output_tokens: 9, input_tokens_details: { cached_tokens: 16 }, output_tokens_details: { reasoning_tokens: 3 } });
    expect(seen.passthrough.record.usage).toEqual({ inputTokens: 41, outputTokens: 9, cachedInputTokens: 16, reasoningTokens: 3 });
    // The gateway's id and model name, the client's store flag, though upstream got store:false.
    const response = seen.passthrough.result;
    expect(response.id).toMatch(/^resp_/);
    expect(response.id).not.toContain('mock');
    expect(response.model).toBe(model);
    expect(storeFlagOf(response)).toBe(true);
    expect(mock.requests.length).toBe(1);
    const retrieved = await clients.passthrough.responses.retrieve(response.id);
    expect(retrieved.output_text).toBe('Partly cloudy, 18°C.');
  });

  it('text, streamed: same text, status, usage, ledger; events numbered from 0', async () => {
    const seen = await both({ reply: { content: 'Partly cloudy, 18°C, light wind.', usage } }, (client) =>
      streamView(client, { model, input: 'Weather in Paris?', stream: true }));
    const { types: _types, sequence, ...passthrough } = seen.passthrough.result;
    const { types: _translatedTypes, sequence: _s, ...translated } = seen.translated.result;
    expect(passthrough).toEqual(translated);
    expect(passthrough.status).toBe('completed');
    expect(sequence).toEqual(sequence.map((_n, index) => index));
    expect(seen.passthrough.result.types.at(-1)).toBe('response.completed');
  });

  it('function call round trip with previous_response_id: same calls, then the same answer from the result', async () => {
    const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get_weather', description: 'The weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }, strict: true }];
    const first = await both({ reply: { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }], usage } }, (client) =>
      client.responses.create({ model, input: 'Weather in Paris?', tools, tool_choice: 'required' }));
    expect(viewOf(first.passthrough.result)).toEqual(viewOf(first.translated.result));
    expect(viewOf(first.passthrough.result).calls).toEqual([{ name: 'get_weather', arguments: '{"city":"Paris"}', call_id: 'call_mock00000001' }]);
    const answers = {} as Record<Path, View>;
    for (const path of paths) {
      mock.reset();
      const previous = first[path].result;
      const call = previous.output.find((item) => item.type === 'function_call')!;
      const response = await clients[path].responses.create({
        model, previous_response_id: previous.id, tools,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: '18°C, partly cloudy' }],
      });
      answers[path] = viewOf(response);
      if (path === 'passthrough') {
        // Upstream got the whole conversation, nothing to look up at OpenAI.
        const sent = mock.requests.at(-1)!.body as Record<string, unknown>;
        expect(sent['store']).toBe(false);
        expect(sent['previous_response_id']).toBeUndefined();
        expect(JSON.stringify(sent['input'])).toContain('Weather in Paris?');
        expect(JSON.stringify(sent['input'])).toContain('"type":"function_call"');
        expect(response.previous_response_id).toBe(previous.id);
      }
    }
    expect(answers.passthrough).toEqual(answers.translated);
    expect(answers.passthrough.text).toBe('Tool result received: 18°C, partly cloudy');
  });

  it('JSON schema output: the format reaches upstream on both paths, same answer', async () => {
    const format = { type: 'json_schema' as const, name: 'weather', schema: { type: 'object', properties: { c: { type: 'number' } }, required: ['c'], additionalProperties: false }, strict: true };
    const seen = await both({ reply: { content: '{"c":18}', usage } }, (client) =>
      client.responses.create({ model, input: 'Weather in Paris as JSON', text: { format } }));
    expect(viewOf(seen.passthrough.result)).toEqual(viewOf(seen.translated.result));
    expect(JSON.parse(seen.passthrough.result.output_text)).toEqual({ c: 18 });
  });

  it('an upstream error: same error class, status and ledger record', async () => {
    const seen = await both({ error: 'rate_limit' }, async (client) => {
      const error = await client.responses.create({ model: 'once', input: 'hi' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      const api = error as InstanceType<typeof OpenAI.APIError>;
      return { status: api.status, code: api.code, type: api.type, name: api.constructor.name };
    });
    expect(seen.passthrough.result).toEqual(seen.translated.result);
    expect(seen.passthrough.result.status).toBe(429);
  });

  it('a mid-stream failure quoting the key: same redacted response.failed, same billed estimate', async () => {
    const views = {} as Record<Path, Awaited<ReturnType<typeof streamView>>>;
    const recorded = {} as Record<Path, Awaited<ReturnType<typeof lastRecord>>>;
    for (const path of paths) {
      mock.reset();
      const message = `Upstream proxy failed with key ${apiKey}`;
      // Two words delivered on both paths: the chat stream's role chunk + 2, Responses' 4 opening events + 2.
      const errorWire = path === 'passthrough'
        ? `event: error\ndata: ${JSON.stringify({ type: 'error', sequence_number: 6, code: 'server_error', message, param: null })}\n\n`
        : `data: ${JSON.stringify({ error: { message, type: 'server_error', param: null, code: null } })}\n\n`;
      mock.enqueue({ reply: { content: 'Partly cloudy today in Paris' }, stream: { midStreamError: true, errorAfterEvents: path === 'passthrough' ? 6 : 3, errorWire } });
      const before = records[path].length;
      views[path] = await streamView(clients[path], { model: 'once', input: 'Weather in Paris?', stream: true });
      recorded[path] = await lastRecord(path, before);
    }
    const strip = ({ types: _t, sequence: _s, ...rest }: Awaited<ReturnType<typeof streamView>>) => rest;
    expect(strip(views.passthrough)).toEqual(strip(views.translated));
    expect(views.passthrough.text).toBe('Partly cloudy');
    expect(views.passthrough.status).toBe('failed');
    expect(JSON.stringify(views.passthrough.error)).not.toContain(apiKey);
    expect(views.passthrough.types.at(-1)).toBe('response.failed');
    expect(views.passthrough.sequence).toEqual(views.passthrough.sequence.map((_n, index) => index));
    expect(recorded.passthrough).toEqual(recorded.translated);
    // The stream had begun (200 sent): the ledger keeps the failure as its error code.
    expect(recorded.passthrough.errorCode).toBe('upstream_server_error');
    expect(recorded.passthrough.usage?.outputTokens).toBeGreaterThan(0);
  });
});

describe('a final status or incomplete reason OpenAI does not define reaches the client as the translated path writes it (docs/fast-path.md)', () => {
  /**
   * How the upstream's final Response is changed (from the mock's `completed`, or its
   * `incomplete` with `max_output_tokens` for `base: 'length'`), the Chat Completions
   * finish reason that the translated path's upstream (Chat Completions) says the same
   * with (the same canonical finish: `abort`, a word OpenAI does not define, is `other`),
   * and what the client must read on both paths.
   */
  interface Case {
    name: string;
    base: 'stop' | 'length';
    edit: { status?: unknown; details?: unknown; noStatus?: boolean };
    chat: string;
    reads: { status: string; incomplete_details: unknown; event: string };
  }
  const completed = { status: 'completed', incomplete_details: null, event: 'response.completed' };
  const cases: Case[] = [
    { name: 'an incomplete reason OpenAI does not define', base: 'length', edit: { details: { reason: 'model_length' } }, chat: 'abort', reads: completed },
    { name: 'an incomplete reason that is a number', base: 'length', edit: { details: { reason: 5 } }, chat: 'abort', reads: completed },
    { name: 'incomplete, details null', base: 'length', edit: { details: null }, chat: 'abort', reads: completed },
    { name: 'incomplete, details without a reason', base: 'length', edit: { details: {} }, chat: 'abort', reads: completed },
    { name: 'incomplete, details a string', base: 'length', edit: { details: 'max_output_tokens' }, chat: 'abort', reads: completed },
    { name: 'a status OpenAI does not define', base: 'stop', edit: { status: 'done' }, chat: 'abort', reads: completed },
    { name: 'a status that is a number', base: 'stop', edit: { status: 5 }, chat: 'abort', reads: completed },
    { name: 'a status that is an object, in response.incomplete', base: 'length', edit: { status: { incomplete: true } }, chat: 'abort', reads: completed },
    { name: 'no status', base: 'stop', edit: { noStatus: true }, chat: 'abort', reads: completed },
    // Defined values, which pass as they came: the same on both paths before and after.
    { name: 'completed', base: 'stop', edit: {}, chat: 'stop', reads: completed },
    { name: 'incomplete: max_output_tokens', base: 'length', edit: {}, chat: 'length', reads: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, event: 'response.incomplete' } },
    { name: 'incomplete: content_filter', base: 'length', edit: { details: { reason: 'content_filter' } }, chat: 'content_filter', reads: { status: 'incomplete', incomplete_details: { reason: 'content_filter' }, event: 'response.incomplete' } },
  ];
  const reply = { content: 'Hello there', usage: { prompt_tokens: 41, completion_tokens: 9 } };

  /** The mock's own bytes for one request, asked directly (not through a gateway). */
  async function mockBytes(path: '/responses' | '/chat/completions', body: Record<string, unknown>, finishReason: 'stop' | 'length') {
    mock.reset();
    mock.enqueue({ reply: { ...reply, finishReason } });
    const response = await fetch(`${mock.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(200);
    return response.text();
  }

  function edited(response: Record<string, unknown>, edit: Case['edit']): Record<string, unknown> {
    const copy = { ...response };
    if ('status' in edit) copy['status'] = edit.status;
    if ('details' in edit) copy['incomplete_details'] = edit.details;
    if (edit.noStatus) delete copy['status'];
    return copy;
  }

  /** What each path's upstream sends for a case: the passthrough's Responses bytes with the final Response edited, the translated one's Chat Completions bytes. */
  async function upstreams(caseOf: Case, stream: boolean) {
    const responses = await mockBytes('/responses', { model: 'gpt-4o-mini', input: 'Say hello', stream }, caseOf.base);
    let passthrough: string;
    if (stream) {
      const blocks = responses.split('\n\n').filter(Boolean);
      const last = blocks.pop()!;
      const [eventLine, dataLine] = last.split('\n') as [string, string];
      const data = JSON.parse(dataLine.slice('data: '.length)) as Record<string, unknown>;
      data['response'] = edited(data['response'] as Record<string, unknown>, caseOf.edit);
      passthrough = [...blocks, `${eventLine}\ndata: ${JSON.stringify(data)}`].join('\n\n') + '\n\n';
    } else {
      passthrough = JSON.stringify(edited(JSON.parse(responses) as Record<string, unknown>, caseOf.edit));
    }
    const chatBody = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }], stream, ...(stream && { stream_options: { include_usage: true } }) };
    const chat = (await mockBytes('/chat/completions', chatBody, 'stop')).replace('"finish_reason":"stop"', `"finish_reason":${JSON.stringify(caseOf.chat)}`);
    return { passthrough, translated: chat };
  }

  async function read(client: OpenAI, stream: boolean) {
    if (!stream) {
      const response = await client.responses.create({ model, input: 'Say hello' });
      return { id: response.id, event: undefined as string | undefined, status: response.status, incomplete_details: response.incomplete_details, text: response.output_text, usage: response.usage };
    }
    const events = await client.responses.create({ model, input: 'Say hello', stream: true });
    const view = { id: '', event: undefined as string | undefined, status: undefined as unknown, incomplete_details: undefined as unknown, text: '', usage: undefined as unknown };
    for await (const event of events) {
      if (event.type === 'response.output_text.delta') view.text += event.delta;
      if (event.type === 'response.completed' || event.type === 'response.incomplete') {
        Object.assign(view, { id: event.response.id, event: event.type, status: event.response.status, incomplete_details: event.response.incomplete_details, usage: event.response.usage });
      }
    }
    return view;
  }

  it.each(cases.flatMap((caseOf) => [true, false].map((stream) => ({ ...caseOf, stream }))))('$name (stream: $stream): the official client reads the same status, reason, text and usage on both paths, and so does a stored response', async (caseOf) => {
    const { stream, reads } = caseOf;
    const bytes = await upstreams(caseOf, stream);
    const seen = {} as Record<Path, { view: Awaited<ReturnType<typeof read>>; record: Awaited<ReturnType<typeof lastRecord>>; stored: unknown }>;
    for (const path of paths) {
      mock.reset();
      mock.enqueue({ body: bytes[path], headers: { 'content-type': stream ? 'text/event-stream' : 'application/json' } });
      const before = records[path].length;
      const view = await read(clients[path], stream);
      const record = await lastRecord(path, before);
      expect(mock.requests.at(-1)!.path).toBe(path === 'passthrough' ? '/v1/responses' : '/v1/chat/completions');
      const stored = await clients[path].responses.retrieve(view.id);
      seen[path] = { view, record, stored: { status: stored.status, incomplete_details: stored.incomplete_details } };
    }
    const { id: _passthroughId, ...passthrough } = seen.passthrough.view;
    const { id: _translatedId, ...translated } = seen.translated.view;
    expect(passthrough).toEqual(translated);
    expect(passthrough).toMatchObject({ status: reads.status, incomplete_details: reads.incomplete_details, text: 'Hello there', event: stream ? reads.event : undefined });
    expect(passthrough.usage).toMatchObject({ input_tokens: 41, output_tokens: 9 });
    expect(seen.passthrough.record).toEqual(seen.translated.record);
    expect(seen.passthrough.stored).toEqual(seen.translated.stored);
    expect(seen.passthrough.stored).toEqual({ status: reads.status, incomplete_details: reads.incomplete_details });
  });
});
