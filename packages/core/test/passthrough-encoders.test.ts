import { describe, expect, it } from 'vitest';
import { AnthropicPassthroughEncoder } from '../src/ingress/anthropic/anthropic-passthrough-encoder.js';
import { OpenAIPassthroughEncoder } from '../src/ingress/openai/openai-passthrough-encoder.js';
import type { StreamPart } from '../src/canonical/stream-part.js';
import type { ServerSentEvent } from '../src/transport/server-sent-event.js';

const options = { requestId: 'req_1', model: 'openai/gpt-4o-mini', modelPrefix: 'openai/', includeUsage: false };
const start = (model: string, created = 1): StreamPart => ({ type: 'stream-start', id: 'chatcmpl-1', model, created });
const sse = (data: string, name?: string): ServerSentEvent => ({ event: name, data, id: undefined });

describe('OpenAIPassthroughEncoder', () => {
  it('renames the model by exact bytes and leaves everything else of the event as it came', () => {
    const encoder = new OpenAIPassthroughEncoder(options);
    const data = '{"id":"chatcmpl-1","model":"gpt-4o-mini","x_extra":{"model_hint":"gpt-4o-mini"},"choices":[{"index":0,"delta":{"content":"\\"model\\":\\"gpt-4o-mini\\""},"finish_reason":null}]}';
    const [out] = encoder.encode({ event: sse(data), parts: [start('gpt-4o-mini'), { type: 'text-delta', delta: '"model":"gpt-4o-mini"' }] });
    expect(out).toBe(data.replace('"model":"gpt-4o-mini"', '"model":"openai/gpt-4o-mini"'));
    // The content that merely looks like the field is untouched: its quotes are escaped.
    expect(JSON.parse(out as string).choices[0].delta.content).toBe('"model":"gpt-4o-mini"');
  });

  it('parses and writes again an event whose model is spaced or another one', () => {
    const encoder = new OpenAIPassthroughEncoder(options);
    encoder.encode({ event: sse('{"id":"a","model":"gpt-4o-mini","choices":[]}'), parts: [start('gpt-4o-mini')] });
    const [spaced] = encoder.encode({ event: sse('{"id":"a", "model": "gpt-4o-mini", "choices": []}'), parts: [] });
    expect(JSON.parse(spaced as string).model).toBe('openai/gpt-4o-mini');
    const [other] = encoder.encode({ event: sse('{"id":"a","model":"gpt-4o","choices":[]}'), parts: [] });
    expect(JSON.parse(other as string).model).toBe('openai/gpt-4o');
  });

  it('hides usage from a client that did not ask, and adds the usage chunk for one that did when the upstream put it elsewhere', () => {
    const usage: StreamPart = { type: 'usage', usage: { inputTokens: 5, outputTokens: 7 } };
    const hidden = new OpenAIPassthroughEncoder(options);
    hidden.encode({ event: sse('{"id":"a","model":"m","choices":[{"index":0,"delta":{"content":"hi"}}]}'), parts: [start('m')] });
    expect(hidden.encode({ event: sse('{"id":"a","model":"m","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7}}'), parts: [usage] })).toEqual([]);
    const [finishing] = hidden.encode({ event: sse('{"id":"a","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":5}}'), parts: [usage] });
    expect(JSON.parse(finishing as string)).toEqual({ id: 'a', model: 'openai/m', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    expect(hidden.finish()).toEqual(['[DONE]']);

    const asked = new OpenAIPassthroughEncoder({ ...options, includeUsage: true });
    asked.encode({ event: sse('{"id":"a","model":"m","choices":[{"index":0,"delta":{"content":"hi"}}]}'), parts: [start('m')] });
    asked.encode({ event: sse('{"id":"a","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"x_groq":{"usage":{"prompt_tokens":5}}}'), parts: [usage] });
    const closing = asked.finish();
    expect(closing.at(-1)).toBe('[DONE]');
    expect(JSON.parse(closing[0] as string)).toMatchObject({ id: 'chatcmpl-1', model: 'openai/m', choices: [], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } });
  });

  it.each([[Infinity], [-5], [2.5]])('writes the arrival time in the usage chunk it adds for a stream-start created of %s', (created) => {
    const before = Math.floor(Date.now() / 1000);
    const asked = new OpenAIPassthroughEncoder({ ...options, includeUsage: true });
    asked.encode({ event: sse('{"id":"a","model":"m","choices":[{"index":0,"delta":{"content":"hi"}}]}'), parts: [start('m', created)] });
    const closing = JSON.parse(asked.finish()[0] as string) as { created: number };
    expect(closing.created).toBeGreaterThanOrEqual(before);
    expect(closing.created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('forwards an unread event it cannot parse as it came (only a lazy tap lets such an event through)', () => {
    const encoder = new OpenAIPassthroughEncoder(options);
    encoder.encode({ event: sse('{"id":"a","model":"gpt-4o-mini","choices":[]}'), parts: [start('gpt-4o-mini')] });
    const data = '{"id":"a", "model": "gpt-4o-mini", "choices":[{"delta":{"content":"x"}]}';
    expect(encoder.encode({ event: sse(data), parts: [] })).toEqual([data]);
  });
});

describe('AnthropicPassthroughEncoder', () => {
  it('keeps every event as it came, its name too, renaming only message_start’s model', () => {
    const encoder = new AnthropicPassthroughEncoder({ ...options, modelPrefix: 'anthropic/' });
    const startData = '{"type":"message_start","message":{"id":"msg_1","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":9,"cache_read_input_tokens":4}}}';
    const early: StreamPart = { type: 'usage', usage: { inputTokens: 13, outputTokens: 0, cachedInputTokens: 4 }, partial: true };
    expect(encoder.encode({ event: sse(startData, 'message_start'), parts: [start('claude-sonnet-4-5'), early] })).toEqual([
      { event: 'message_start', data: startData.replace('"claude-sonnet-4-5"', '"anthropic/claude-sonnet-4-5"') },
    ]);
    const thinking = '{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}';
    expect(encoder.encode({ event: sse(thinking, 'content_block_start'), parts: [] })).toEqual([{ event: 'content_block_start', data: thinking }]);
    const signature = '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCkYI=="}}';
    expect(encoder.encode({ event: sse(signature, 'content_block_delta'), parts: [] })).toEqual([{ event: 'content_block_delta', data: signature }]);
    // A proxy that dropped the `event:` line: the data's type names it.
    expect(encoder.encode({ event: sse('{"type":"ping"}'), parts: [] })).toEqual([{ event: 'ping', data: '{"type":"ping"}' }]);
    expect(encoder.encode({ event: sse('{"type":"message_stop"}', 'message_stop'), parts: [] })).toEqual([{ event: 'message_stop', data: '{"type":"message_stop"}' }]);
    // The upstream's message_stop went out: nothing is added.
    expect(encoder.finish()).toEqual([]);
  });

  it('writes the message_stop of a stream that ended whole without one, as the translated path does', () => {
    const encoder = new AnthropicPassthroughEncoder({ ...options, modelPrefix: 'anthropic/' });
    encoder.encode({ event: sse('{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3}}', 'message_delta'), parts: [{ type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' } }] });
    expect(encoder.finish()).toEqual([{ event: 'message_stop', data: '{"type":"message_stop"}' }]);
  });

  it('writes message_delta again with the billed usage when the tap could not read its own, keeping its other fields', () => {
    const billed = { inputTokens: 40, outputTokens: 12, cachedInputTokens: 4 };
    const encoder = new AnthropicPassthroughEncoder({ ...options, modelPrefix: 'anthropic/', billedUsage: () => billed });
    const unreadable = '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":-9,"server_tool_use":{"web_search_requests":1}}}';
    const [out] = encoder.encode({ event: sse(unreadable, 'message_delta'), parts: [{ type: 'finish', finishReason: { unified: 'stop' } }] });
    expect(JSON.parse((out as { data: string }).data)).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn' },
      usage: { input_tokens: 36, output_tokens: 12, cache_read_input_tokens: 4, cache_creation_input_tokens: 0, server_tool_use: { web_search_requests: 1 } },
    });
    // A usage the tap read passes as it came.
    const read = '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":12}}';
    expect(encoder.encode({ event: sse(read, 'message_delta'), parts: [{ type: 'usage', usage: billed }] })).toEqual([{ event: 'message_delta', data: read }]);
  });

  it('writes message_delta again when its counts are digits, or when it gave only a partial usage (no input_tokens anywhere)', () => {
    const billed = { inputTokens: 40, outputTokens: 17 };
    const encoder = new AnthropicPassthroughEncoder({ ...options, modelPrefix: 'anthropic/', billedUsage: () => billed });
    const digits = '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":"40","output_tokens":"17"}}';
    const [out] = encoder.encode({ event: sse(digits, 'message_delta'), parts: [{ type: 'usage', usage: billed }] });
    expect(JSON.parse((out as { data: string }).data).usage).toEqual({ input_tokens: 40, output_tokens: 17, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    const outputOnly = '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":17}}';
    const [partial] = encoder.encode({ event: sse(outputOnly, 'message_delta'), parts: [{ type: 'usage', usage: { inputTokens: 0, outputTokens: 17 }, partial: true }] });
    expect(JSON.parse((partial as { data: string }).data).usage).toMatchObject({ input_tokens: 40, output_tokens: 17 });
  });

  it('writes message_start again with the counts so far when it has no usage the tap read, none with input_tokens, or digits', () => {
    const sofar = { inputTokens: 30, outputTokens: 0 };
    const encoder = new AnthropicPassthroughEncoder({ ...options, modelPrefix: 'anthropic/', billedUsage: () => sofar });
    const startOf = (usage: string) => `{"type":"message_start","message":{"id":"msg_1","model":"claude-sonnet-4-5","content":[]${usage}}}`;
    const usageOut = (data: string, parts: StreamPart[]) => JSON.parse((encoder.encode({ event: sse(data, 'message_start'), parts: [start('claude-sonnet-4-5'), ...parts] })[0] as { data: string }).data).message;
    const counts = { input_tokens: 30, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
    expect(usageOut(startOf(''), [])).toEqual({ id: 'msg_1', model: 'anthropic/claude-sonnet-4-5', content: [], usage: counts });
    expect(usageOut(startOf(',"usage":{"input_tokens":-9,"service_tier":"standard"}'), []).usage).toEqual({ ...counts, service_tier: 'standard' });
    expect(usageOut(startOf(',"usage":{"output_tokens":1}'), [{ type: 'usage', usage: { inputTokens: 0, outputTokens: 1 }, partial: true }]).usage).toEqual(counts);
    expect(usageOut(startOf(',"usage":{"input_tokens":"30","output_tokens":0}'), [{ type: 'usage', usage: sofar, partial: true }]).usage).toEqual(counts);
    // Without a billed usage to give, still an object the SDKs can update.
    const bare = new AnthropicPassthroughEncoder({ ...options, modelPrefix: 'anthropic/' });
    const [out] = bare.encode({ event: sse(startOf(''), 'message_start'), parts: [start('claude-sonnet-4-5')] });
    expect(JSON.parse((out as { data: string }).data).message.usage).toEqual({ ...counts, input_tokens: 0 });
  });
});
