import { isGatewayError, type ServerSentEvent } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { parseResponsesResponse } from '../src/responses/parse-responses-response.js';
import { createResponsesStreamDecoder } from '../src/responses/responses-stream-decoder.js';

/** The Responses pass-through's tap: what the gateway reads from OpenAI's Response for usage, finish and billing. */

const usage = { input_tokens: 40, input_tokens_details: { cached_tokens: 16 }, output_tokens: 12, output_tokens_details: { reasoning_tokens: 5 }, total_tokens: 52 };

describe('parseResponsesResponse', () => {
  it('reads usage with cached and reasoning tokens, text, calls, reasoning summary, and the finish reason', () => {
    const response = parseResponsesResponse({
      id: 'resp_1', model: 'gpt-5', created_at: 1764072000, status: 'completed', usage,
      output: [
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Hm.' }], encrypted_content: 'gAAA' },
        { type: 'web_search_call', id: 'ws_1', status: 'completed' },
        { type: 'message', id: 'msg_1', role: 'assistant', content: [{ type: 'output_text', text: 'Hi', annotations: [] }] },
        { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'f', arguments: '{}' },
      ],
    }, 'openai');
    expect(response.usage).toEqual({ inputTokens: 40, outputTokens: 12, cachedInputTokens: 16, reasoningTokens: 5 });
    expect(response.content).toEqual([
      { type: 'reasoning', text: 'Hm.' },
      { type: 'text', text: 'Hi' },
      { type: 'tool-call', id: 'call_1', name: 'f', arguments: '{}' },
    ]);
    expect(response.finishReason).toEqual({ unified: 'tool-calls', raw: 'completed' });
  });

  it('maps incomplete answers by reason', () => {
    const base = { output: [], usage };
    expect(parseResponsesResponse({ ...base, status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }, 'openai').finishReason.unified).toBe('length');
    expect(parseResponsesResponse({ ...base, status: 'incomplete', incomplete_details: { reason: 'content_filter' } }, 'openai').finishReason.unified).toBe('content-filter');
  });

  it('reads hostile usage numbers as no usage (the gateway bills its estimate) and refuses a body without output', () => {
    const response = parseResponsesResponse({ status: 'completed', output: [null, 7], usage: { input_tokens: -5, output_tokens: 'many', input_tokens_details: { cached_tokens: Number.NaN } } }, 'openai');
    expect(response.usage).toBeUndefined();
    expect(() => parseResponsesResponse({ error: { message: 'x' } }, 'openai')).toThrow(/without a Response object/);
  });
});

describe('createResponsesStreamDecoder', () => {
  const event = (data: unknown): ServerSentEvent => ({ event: (data as { type?: string }).type, data: JSON.stringify(data), id: undefined });

  it('taps deltas, calls, usage and finish from OpenAI\'s events', () => {
    const decoder = createResponsesStreamDecoder('openai');
    const parts = [
      { type: 'response.created', sequence_number: 0, response: { id: 'resp_1', model: 'gpt-5', created_at: 1, status: 'in_progress', output: [], usage: null } },
      { type: 'response.reasoning_summary_text.delta', sequence_number: 1, delta: 'Hm' },
      { type: 'response.output_text.delta', sequence_number: 2, delta: 'Hi' },
      { type: 'response.output_item.added', sequence_number: 3, output_index: 1, item: { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '' } },
      { type: 'response.function_call_arguments.delta', sequence_number: 4, output_index: 1, delta: '{}' },
      { type: 'response.completed', sequence_number: 5, response: { id: 'resp_1', model: 'gpt-5', status: 'completed', output: [], usage } },
    ].flatMap((data) => decoder.decode(event(data)));
    expect(parts).toEqual([
      { type: 'stream-start', id: 'resp_1', model: 'gpt-5', created: 1 },
      { type: 'reasoning-delta', delta: 'Hm' },
      { type: 'text-delta', delta: 'Hi' },
      { type: 'tool-call-start', index: 0, id: 'call_1', name: 'f' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' },
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'completed' } },
      { type: 'usage', usage: { inputTokens: 40, outputTokens: 12, cachedInputTokens: 16, reasoningTokens: 5 } },
    ]);
    expect(decoder.end()).toEqual([]);
  });

  it('turns an error event and response.failed into GatewayErrors, and a stream without its end into upstream_invalid_response', () => {
    const failing = createResponsesStreamDecoder('openai');
    const error = (() => {
      try {
        failing.decode(event({ type: 'error', sequence_number: 3, code: 'server_error', message: 'boom' }));
      } catch (caught) {
        return caught;
      }
    })();
    expect(isGatewayError(error) && error.code).toBe('upstream_server_error');
    expect(() => createResponsesStreamDecoder('openai').decode(event({ type: 'response.failed', response: { status: 'failed', error: { code: 'server_error', message: 'x' } } }))).toThrow();
    expect(() => createResponsesStreamDecoder('openai').decode({ event: undefined, data: 'not json', id: undefined })).toThrow(/unreadable/);
    expect(() => createResponsesStreamDecoder('openai').decode({ event: undefined, data: 'null', id: undefined })).toThrow(/unreadable/);
    const cut = createResponsesStreamDecoder('openai');
    cut.decode(event({ type: 'response.output_text.delta', delta: 'Hi' }));
    expect(() => cut.end()).toThrow(/ended before it was complete/);
  });
});
