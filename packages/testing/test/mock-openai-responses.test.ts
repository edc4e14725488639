import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMockOpenAI, type MockOpenAI } from '../src/index.js';

/** The mock's `POST /v1/responses`, read by the official SDK: OpenAI's Response object and events, strict like OpenAI. */

let mock: MockOpenAI;
let client: OpenAI;
beforeEach(async () => {
  mock = await startMockOpenAI({ apiKey: 'sk-mock-responses' });
  client = new OpenAI({ apiKey: 'sk-mock-responses', baseURL: mock.url, maxRetries: 0 });
});
afterEach(async () => {
  await mock.close();
});

describe('mock OpenAI /v1/responses', () => {
  it('answers a Response object with usage details, reasoning (encrypted when included), and records the request', async () => {
    mock.enqueue({ reply: { content: 'Sunny.', reasoning: 'Think.', usage: { prompt_tokens: 20, completion_tokens: 7, cached_tokens: 4, reasoning_tokens: 2 } } });
    const response = await client.responses.create({ model: 'gpt-5', input: 'Weather?', include: ['reasoning.encrypted_content'] });
    expect(response).toMatchObject({ object: 'response', status: 'completed', model: 'gpt-5', output_text: 'Sunny.' });
    expect(response.id).toMatch(/^resp_mock/);
    expect(response.usage).toEqual({ input_tokens: 20, input_tokens_details: { cached_tokens: 4 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 27 });
    expect(response.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect((response.output[0] as { encrypted_content?: string }).encrypted_content).toMatch(/^gAAAA/);
    expect(mock.requests[0]).toMatchObject({ method: 'POST', path: '/v1/responses', body: { model: 'gpt-5', input: 'Weather?' } });
  });

  it('streams named events numbered from 0, a forced function call among them', async () => {
    const stream = await client.responses.create({
      model: 'gpt-5', input: 'Paris', stream: true, tool_choice: 'required',
      tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: true }],
    });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_event, index) => index));
    expect(events[0]!.type).toBe('response.created');
    expect(events.map((event) => event.type)).toContain('response.function_call_arguments.delta');
    const done = events.at(-1)!;
    expect(done.type).toBe('response.completed');
    if (done.type === 'response.completed') expect(done.response.output[0]).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' });
  });

  it('refuses an unknown top-level field and previous_response_id with store:false, in OpenAI\'s envelope', async () => {
    await expect(client.responses.create({ model: 'gpt-5', input: 'x', gateway_only: true } as OpenAI.Responses.ResponseCreateParamsNonStreaming))
      .rejects.toMatchObject({ status: 400, code: 'unknown_parameter', param: 'gateway_only' });
    await expect(client.responses.create({ model: 'gpt-5', input: 'x', store: false, previous_response_id: 'resp_1' }))
      .rejects.toMatchObject({ status: 400, code: 'previous_response_not_found' });
  });

  it('ends a stream with an error event on midStreamError, and answers scripted error cases', async () => {
    mock.enqueue({ stream: { midStreamError: true, errorAfterEvents: 3 } });
    const stream = await client.responses.create({ model: 'gpt-5', input: 'x', stream: true });
    const seen: string[] = [];
    const failure = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().catch((caught: unknown) => caught);
    // openai 6.x hands the `error` event over as the last event; nothing follows it.
    expect(seen).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'error']);
    expect(failure).toBeUndefined();
    mock.enqueue({ error: 'rate_limit' });
    await expect(client.responses.create({ model: 'gpt-5', input: 'x' })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });
});
