import type { RequestRecord } from '@switchyard/core';
import { readFixture } from '@switchyard/testing';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { ReplayScript } from './support/start-fixture-replay.js';
import { gatewayOverReplay } from './support/gateway-over-replay.js';
import { onceModels } from './support/request-records.js';
import { masterKey } from './support/start-test-gateway.js';

/**
 * The Responses API pass-through with an OpenAI answer that has a value of the wrong
 * type in its output. The client gets OpenAI's own Response (that is the pass-through),
 * but the gateway also keeps the output for the conversation, and a later turn
 * (`previous_response_id`) reads it back as input: there a text of 5 made the prompt
 * estimate NaN (a usage record the ledger refuses), and a content of 5, an item of null
 * or arguments sent as an object made the turn a 500. A stream whose final Response has
 * no output list broke inside the gateway (an internal_error); it is the upstream's
 * failure, as the same whole answer is. The gateway's own `response.failed` is numbered
 * after the last upstream event that has a number that can be a place in the stream.
 */

const rig = gatewayOverReplay((url) => ({
  providers: {
    openai: { api_key: 'sk-proj-MISTYPED-0123456789abcdef', base_url: url },
    anthropic: { api_key: 'sk-ant-test-0123456789', base_url: url },
  },
  models: onceModels({ openai: 'openai/gpt-4o-mini', anthropic: 'anthropic/claude-sonnet-4-5' }),
  chain: ['auth', 'key-scope', 'route', 'adapter'],
}));

type Json = Record<string, any>;

// OpenAI Responses wire format (openai-node `Response` and its stream events); no usage: the gateway bills its estimate.
const head = { id: 'resp_upstream_1', object: 'response', created_at: 1764072000, model: 'gpt-4o-mini-2024-07-18', incomplete_details: null, error: null };
const wholeResponse = (output: unknown) => JSON.stringify({ ...head, status: 'completed', output });
const event = (type: string, data: Json) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const streamedResponse = (output: unknown, middle: string[] = []) =>
  event('response.created', { sequence_number: 0, response: { ...head, status: 'in_progress', output: [] } }) +
  middle.join('') +
  event('response.completed', { sequence_number: middle.length + 1, response: { ...head, status: 'completed', output } });
const message = (content: unknown) => ({ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content });
const text = (value: unknown) => ({ type: 'output_text', text: value, annotations: [] });

/** What a later turn gets from each upstream: a plain answer, without usage. */
const nextAnswers = {
  'openai-once': wholeResponse([message([text('Noted.')])]),
  'anthropic-once': (() => {
    const body = JSON.parse(readFixture('anthropic', 'response.json')) as Json;
    delete body['usage'];
    return JSON.stringify(body);
  })(),
};

interface Case {
  name: string;
  output: unknown;
  /** The items the conversation keeps of it, as the next OpenAI request's input holds them. */
  kept: unknown[];
}

const cases: Case[] = [
  { name: 'an output_text of 5 (the next turn billed NaN tokens)', output: [message([text(5), text('Hi')])], kept: [message([text('Hi')])] },
  { name: 'a message content of 5 (the next turn a 500)', output: [message(5)], kept: [] },
  {
    name: 'items of null and 5, a call with a call_id of 5 and a name of null (the next turn a 500)',
    output: [null, 5, { type: 'function_call', id: 'fc_1', call_id: 5, name: null, arguments: '{}' }, message([text('Hi')])],
    kept: [message([text('Hi')])],
  },
  {
    name: 'arguments sent as an object (the next turn billed NaN on OpenAI, a 500 on Anthropic)',
    output: [{ type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' }, status: 'completed' }],
    kept: [{ type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' }],
  },
];

async function post(body: Json, upstream: ReplayScript) {
  rig.replay.play(upstream);
  const from = rig.gateway.logLines.length;
  const recorded = rig.records.next();
  const response = await fetch(`${rig.gateway.baseURL}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = { status: response.status, text: await response.text() };
  return { answer, record: await recorded, errorLines: rig.gateway.logLines.slice(from).filter((line) => line.includes('"level":50')) };
}

/** Billed in whole numbers, as the ledger takes them. */
function expectBillable(record: RequestRecord) {
  expect(Number.isSafeInteger(record.usage?.inputTokens), `inputTokens ${record.usage?.inputTokens}`).toBe(true);
  expect(Number.isSafeInteger(record.usage?.outputTokens), `outputTokens ${record.usage?.outputTokens}`).toBe(true);
  expect(record.usage!.inputTokens).toBeGreaterThan(0);
  expect(Number.isFinite(record.costUsd)).toBe(true);
}

const eventData = (text: string) => text.split('\n\n').filter((block) => block.includes('data: ')).map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as Json);

describe.each(['whole', 'streamed'] as const)('a Responses pass-through answer with an output of the wrong type, %s', (form) => {
  it.each(cases)('$name: answered, kept readable, and the next turn is billed and answered on OpenAI and on Anthropic', async (item) => {
    const upstream: ReplayScript =
      form === 'whole' ? { body: wholeResponse(item.output), contentType: 'application/json' } : { body: streamedResponse(item.output), contentType: 'text/event-stream' };
    const first = await post({ model: 'openai-once', input: 'What is the weather in Paris?', store: true, stream: form === 'streamed' }, upstream);
    expect(first.answer.status).toBe(200);
    expect(first.record.status).toBe(200);
    expect(first.record.errorCode).toBeUndefined();
    expect(first.errorLines).toEqual([]);
    expectBillable(first.record);
    const id = form === 'whole' ? (JSON.parse(first.answer.text) as Json)['id'] : eventData(first.answer.text).at(-1)!['response'].id;
    expect(id).toMatch(/^resp_/);

    for (const model of ['openai-once', 'anthropic-once'] as const) {
      rig.replay.play({ body: nextAnswers[model], contentType: 'application/json' });
      const from = rig.gateway.logLines.length;
      const recorded = rig.records.next();
      const client = new OpenAI({ apiKey: masterKey, baseURL: rig.gateway.baseURL, maxRetries: 0 });
      const input: OpenAI.Responses.ResponseInput = item.kept.some((kept) => (kept as Json)['type'] === 'function_call')
        ? [{ type: 'function_call_output', call_id: 'call_1', output: '18°C, partly cloudy' }]
        : [{ role: 'user', content: 'Thanks.' }];
      const next = await client.responses.create({ model, input, previous_response_id: id });
      const record = await recorded;
      expect(next.status, model).toBe('completed');
      expect(record.status, model).toBe(200);
      expectBillable(record);
      expect(rig.gateway.logLines.slice(from).filter((line) => line.includes('"level":50')), model).toEqual([]);
      if (model === 'openai-once') {
        // The conversation OpenAI is sent: the question, what was kept of the answer, the new input.
        const sent = JSON.parse(rig.replay.received.at(-1)!.body) as Json;
        expect(sent['input'].slice(1, -1), model).toEqual(item.kept);
      }
    }
  });
});

describe('a Responses pass-through stream', () => {
  it.each([5, {}, null])('whose final Response has an output of %j: the upstream failure, never the gateway\'s, and billed', async (output) => {
    const body = streamedResponse(output, [event('response.output_text.delta', { sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hi', logprobs: [] })]);
    const { answer, record, errorLines } = await post({ model: 'openai-once', input: 'Hi', stream: true }, { body, contentType: 'text/event-stream' });
    expect(answer.status).toBe(200);
    const last = eventData(answer.text).at(-1)!;
    // As a whole answer without an output list is (parseResponsesResponse): upstream_invalid_response.
    expect(last['type']).toBe('response.failed');
    expect(last['response'].error).toMatchObject({ code: 'server_error', message: expect.stringMatching(/\(gateway code: upstream_invalid_response\)$/) });
    expect(record.errorCode).toBe('upstream_invalid_response');
    expectBillable(record);
    expect(errorLines).toEqual([]);
  });

  it.each([1e300, -5, 0.5])('with an event numbered %s before it fails: the gateway\'s response.failed is numbered after the last number that can be a place', async (sequence) => {
    const body =
      event('response.created', { sequence_number: 0, response: { ...head, status: 'in_progress', output: [] } }) +
      event('response.output_text.delta', { sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hi', logprobs: [] }) +
      event('response.output_text.delta', { sequence_number: sequence, item_id: 'msg_1', output_index: 0, content_index: 0, delta: ' there', logprobs: [] }) +
      event('error', { sequence_number: sequence, code: 'server_error', message: 'The model failed.', param: null });
    const { answer, record } = await post({ model: 'openai-once', input: 'Hi', stream: true }, { body, contentType: 'text/event-stream' });
    const failed = eventData(answer.text).at(-1)!;
    expect(failed['type']).toBe('response.failed');
    expect(failed['sequence_number']).toBe(2);
    expectBillable(record);
  });
});
