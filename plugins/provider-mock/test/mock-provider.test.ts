import { createLogger, parseChatCompletionsRequest, startProvider, UpstreamTransport } from '@switchyard/core';
import { collectParts } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import mock from '../src/index.js';

const logger = createLogger({ level: 'silent' });
const provider = startProvider('mock', mock({}), new UpstreamTransport());

function call(body: Record<string, unknown>, signal = new AbortController().signal) {
  const { request } = parseChatCompletionsRequest({ model: 'mock/echo', ...body });
  return { request, model: 'echo', signal, logger };
}


describe('mock provider', () => {
  it('echoes the last user message with realistic usage', async () => {
    const response = await provider.chat!.complete(call({ messages: [{ role: 'user', content: 'first' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'Hello, mock!' }] }));
    expect(response.content).toEqual([{ type: 'text', text: 'Hello, mock!' }]);
    expect(response.finishReason.unified).toBe('stop');
    expect(response.usage.inputTokens).toBeGreaterThan(10);
    expect(response.usage.outputTokens).toBe(3);
  });

  it('streams the same answer in several deltas, then finish and usage', async () => {
    const parts = await collectParts(await provider.chat!.stream(call({ stream: true, messages: [{ role: 'user', content: 'one two three four' }] })));
    const deltas = parts.filter((part) => part.type === 'text-delta');
    expect(deltas.length).toBe(4);
    expect(deltas.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('')).toBe('one two three four');
    expect(parts.at(-2)).toEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } });
    expect(parts.at(-1)?.type).toBe('usage');
  });

  it('calls tools when required, in parallel, with arguments that fit their schemas', async () => {
    const tools = ['get_weather', 'get_time'].map((name) => ({
      type: 'function',
      function: { name, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    }));
    const response = await provider.chat!.complete(call({ messages: [{ role: 'user', content: 'Paris' }], tools, tool_choice: 'required' }));
    expect(response.finishReason.unified).toBe('tool-calls');
    const calls = response.content.filter((part) => part.type === 'tool-call');
    expect(calls.map((part) => part.type === 'tool-call' && part.name)).toEqual(['get_weather', 'get_time']);
    for (const part of calls) if (part.type === 'tool-call') expect(JSON.parse(part.arguments)).toEqual({ city: 'Paris' });
  });

  it('answers JSON mode with a JSON document', async () => {
    const response = await provider.chat!.complete(call({ messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_object' } }));
    const text = response.content[0]!.type === 'text' ? response.content[0]!.text : '';
    expect(JSON.parse(text)).toEqual({ echo: 'hi' });
  });

  it('acts out a failure asked for in provider_options', async () => {
    await expect(
      provider.chat!.complete(call({ messages: [{ role: 'user', content: 'x' }], provider_options: { mock: { fail: 'rate_limit', retry_after_s: 3 } } })),
    ).rejects.toMatchObject({ code: 'rate_limit_exceeded', status: 429, retryAfterSeconds: 3, retryable: true });
  });

  it('refuses unknown provider_options.mock settings', async () => {
    await expect(
      provider.chat!.complete(call({ messages: [{ role: 'user', content: 'x' }], provider_options: { mock: { explode: true } } })),
    ).rejects.toMatchObject({ code: 'invalid_request', status: 400 });
  });

  it('stops waiting when the call is cancelled', async () => {
    const abort = new AbortController();
    const pending = provider.chat!.complete(call({ messages: [{ role: 'user', content: 'x' }], provider_options: { mock: { latency_ms: 10_000 } } }, abort.signal));
    abort.abort();
    await expect(pending).rejects.toThrow();
  });

  it('builds the largest dimensions the ingress allows, and refuses an answer past its size bound as an upstream 400', async () => {
    const embeddings = provider.embeddings!;
    const embed = (input: string[], dimensions: number) =>
      embeddings.embed({ request: { model: 'mock/echo', input, dimensions }, model: 'echo', signal: new AbortController().signal, logger });
    const [vector] = (await embed(['a'], 65_536)).embeddings;
    expect(vector).toHaveLength(65_536);
    let sumOfSquares = 0;
    for (const value of vector!) sumOfSquares += value * value;
    expect(Math.sqrt(sumOfSquares)).toBeCloseTo(1, 3);
    await expect(embed(Array.from({ length: 17 }, () => 'a'), 65_536)).rejects.toMatchObject({ code: 'upstream_bad_request', status: 400 });
    await expect(embed(['a'], Number.POSITIVE_INFINITY)).rejects.toMatchObject({ code: 'upstream_bad_request' });
  });

  it('bills a token array its own count of tokens, as a real provider does', async () => {
    const embed = (input: string[] | number[][]) =>
      provider.embeddings!.embed({ request: { model: 'mock/echo', input }, model: 'echo', signal: new AbortController().signal, logger });
    const tokens = Array.from({ length: 1000 }, (_, at) => 100_000 + at);
    expect((await embed([tokens, [7]])).usage.inputTokens).toBe(1001);
    expect((await embed([[1, 2, 3]])).usage.inputTokens).toBe(3);
    expect((await embed(['abcdefgh'])).usage.inputTokens).toBe(2);
  });

  it('gives equal inputs equal unit-length embeddings', async () => {
    const embeddings = provider.embeddings!;
    const result = await embeddings.embed({ request: { model: 'mock/echo', input: ['a', 'b', 'a'] }, model: 'echo', signal: new AbortController().signal, logger });
    expect(result.embeddings).toHaveLength(3);
    expect(result.embeddings[0]).toEqual(result.embeddings[2]);
    expect(result.embeddings[0]).not.toEqual(result.embeddings[1]);
    expect(Math.hypot(...result.embeddings[0]!)).toBeCloseTo(1, 5);
  });
});

describe('mock provider output limit', () => {
  it('stops at max_tokens like a model, with finish reason length', async () => {
    const response = await provider.chat!.complete(call({ messages: [{ role: 'user', content: 'z'.repeat(400) }], max_tokens: 10 }));
    expect(response.content).toEqual([{ type: 'text', text: 'z'.repeat(40) }]);
    expect(response.finishReason.unified).toBe('length');
    expect(response.usage.outputTokens).toBe(10);
  });
});
