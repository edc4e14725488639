import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatResponse, FinishReason } from '../src/canonical/chat-response.js';
import type { StreamPart } from '../src/canonical/stream-part.js';
import type { ServerSentEvent } from '../src/transport/server-sent-event.js';
import { AnthropicPassthroughEncoder } from '../src/ingress/anthropic/anthropic-passthrough-encoder.js';
import { isAnthropicStopReason, toAnthropicStopReason, withAnthropicStopReason } from '../src/ingress/anthropic/anthropic-stop-reason.js';
import { formatAnthropicPassthroughMessage } from '../src/ingress/anthropic/format-anthropic-passthrough-message.js';
import { ChatChunkEncoder } from '../src/ingress/openai/chat-chunk-encoder.js';
import { formatOpenAIPassthroughResponse } from '../src/ingress/openai/format-openai-passthrough-response.js';
import { OpenAIPassthroughEncoder } from '../src/ingress/openai/openai-passthrough-encoder.js';
import { fromOpenAIFinishReason, isOpenAIFinishReason, toOpenAIFinishReason, withOpenAIFinishReasons } from '../src/ingress/openai/openai-finish-reason.js';
import { createResponsesPassthrough } from '../src/ingress/responses/responses-passthrough.js';
import { isResponsesStatus, toResponsesStatus, withResponsesStatus } from '../src/ingress/responses/responses-status.js';

/**
 * The fast path writes a finish reason its dialect does not define as the translated
 * path does, and passes a defined one as it came (docs/fast-path.md).
 */

const openAIWords = ['stop', 'length', 'tool_calls', 'content_filter', 'function_call'];
const anthropicWords = ['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal', 'model_context_window_exceeded'];
const hostileWords = ['abort', 'model_length', 'insufficient_system_resource', 'error', '__proto__', 'toString', 'constructor', 'hasOwnProperty', '', 'STOP', 'stop ', 'x'.repeat(10_000)];
/** Any word: the defined ones, the hostile ones, and arbitrary text (lone surrogates included). */
const anyWord = (defined: string[]) => fc.oneof(fc.constantFrom(...defined, ...hostileWords), fc.string({ unit: 'binary', maxLength: 40 }));

const sse = (data: string, name?: string): ServerSentEvent => ({ event: name, data, id: undefined });

/** `text` as a JSON string with every character spelled `\uXXXX`: the same string to a parser, other bytes. */
const escaped = (text: string) => `"${[...text].map((char) => [...char].map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')).join('')}"`;

describe('isOpenAIFinishReason / isAnthropicStopReason', () => {
  it('know their dialect’s words and nothing else, Object.prototype’s names and non-strings included', () => {
    for (const word of openAIWords) expect(isOpenAIFinishReason(word)).toBe(true);
    for (const word of anthropicWords) expect(isAnthropicStopReason(word)).toBe(true);
    for (const value of [...hostileWords, ...anthropicWords.filter((word) => !openAIWords.includes(word)), null, undefined, 5, {}, ['stop']]) expect(isOpenAIFinishReason(value)).toBe(false);
    for (const value of [...hostileWords, 'stop', 'length', 'tool_calls', null, undefined, 5, {}, ['end_turn']]) expect(isAnthropicStopReason(value)).toBe(false);
  });
});

describe('withOpenAIFinishReasons', () => {
  const abort: FinishReason = { unified: 'other', raw: 'abort' };
  /** How a compatible preset reads Mistral's word. */
  const modelLength: FinishReason = { unified: 'length', raw: 'model_length' };

  it('gives nothing (no copy) when every finish reason is defined, or, in a stream, still null', () => {
    const choices = Object.freeze([{ index: 0, finish_reason: 'stop' }, { index: 1, finish_reason: 'function_call' }, { index: 2, finish_reason: null }, { index: 3, delta: {} }]);
    expect(withOpenAIFinishReasons(choices, abort, false)).toBeUndefined();
    expect(withOpenAIFinishReasons(Object.freeze([{ index: 0, finish_reason: 'length' }]), abort, true)).toBeUndefined();
  });

  it('writes the word the tap read as the translated path does, another undefined word as stop, and leaves the input and defined words alone', () => {
    const choices = Object.freeze([
      Object.freeze({ index: 0, delta: { content: 'x' }, finish_reason: 'model_length', logprobs: null }),
      Object.freeze({ index: 1, finish_reason: 'abort' }),
      Object.freeze({ index: 2, finish_reason: 'tool_calls' }),
      Object.freeze({ index: 3, finish_reason: null }),
    ]);
    expect(withOpenAIFinishReasons(choices, modelLength, false)).toEqual([
      { index: 0, delta: { content: 'x' }, finish_reason: 'length', logprobs: null },
      { index: 1, finish_reason: 'stop' },
      { index: 2, finish_reason: 'tool_calls' },
      { index: 3, finish_reason: null },
    ]);
    const written = withOpenAIFinishReasons(choices, modelLength, false)!;
    expect(written[2]).toBe(choices[2]);
    expect(withOpenAIFinishReasons([{ index: 0, finish_reason: '__proto__' }], { unified: 'other', raw: '__proto__' }, false)).toEqual([{ index: 0, finish_reason: 'stop' }]);
  });

  it('in a stream chunk writes null for a value the tap reads as no finish (empty, not a string) and leaves null and a missing one; in a whole answer writes stop for all of them, as the translated path does', () => {
    const choices = [{ index: 0, finish_reason: 'abort' }, { index: 1, finish_reason: '' }, { index: 2, finish_reason: 5 }, { index: 3 }, { index: 4, finish_reason: null }, 'not a choice'];
    expect(withOpenAIFinishReasons(choices, abort, false)).toEqual([{ index: 0, finish_reason: 'stop' }, { index: 1, finish_reason: null }, { index: 2, finish_reason: null }, ...choices.slice(3)]);
    expect(withOpenAIFinishReasons(choices, abort, true)).toEqual([...[0, 1, 2, 3, 4].map((index) => ({ index, finish_reason: 'stop' })), 'not a choice']);
  });

  it('with no finish read (undefined), writes null in a stream for every value that is not a word, stop for an undefined word; gives nothing when there is none', () => {
    const odd = [0, 5, -1, 1.5, '', true, false, {}, { reason: 'stop' }, [], ['stop']];
    const choices = odd.map((value, index) => Object.freeze({ index, delta: { content: 'x' }, finish_reason: value }));
    expect(withOpenAIFinishReasons(choices, undefined, false)).toEqual(odd.map((_value, index) => ({ index, delta: { content: 'x' }, finish_reason: null })));
    expect(withOpenAIFinishReasons([{ index: 0, finish_reason: 'abort' }], undefined, false)).toEqual([{ index: 0, finish_reason: 'stop' }]);
    expect(withOpenAIFinishReasons([{ index: 0, finish_reason: 5 }], undefined, true)).toEqual([{ index: 0, finish_reason: 'stop' }]);
    expect(withOpenAIFinishReasons(Object.freeze([{ index: 0, finish_reason: null }, { index: 1 }, { index: 2, finish_reason: 'stop' }]), undefined, false)).toBeUndefined();
  });

  it('property: in a stream, any JSON value that is not a non-empty string, nor null, reads null; a choice without one is left', () => {
    fc.assert(
      fc.property(fc.jsonValue().filter((value) => value !== null && !(typeof value === 'string' && value !== '')), (value) => {
        const written = withOpenAIFinishReasons([{ index: 0, finish_reason: value }, { index: 1 }], undefined, false);
        expect(written).toEqual([{ index: 0, finish_reason: null }, { index: 1 }]);
      }),
    );
  });

  it('property: each choice reads what the translated path writes for its word (the generic mapping), a defined word as it was', () => {
    fc.assert(
      fc.property(fc.array(anyWord(openAIWords), { minLength: 1, maxLength: 4 }), (words) => {
        const choices = words.map((word, index) => ({ index, finish_reason: word }));
        const first = fromOpenAIFinishReason(words[0]!);
        const written = withOpenAIFinishReasons(choices, first, true) ?? choices;
        written.forEach((choice, index) => {
          const word = words[index]!;
          expect((choice as { finish_reason: unknown }).finish_reason).toBe(isOpenAIFinishReason(word) ? word : toOpenAIFinishReason(fromOpenAIFinishReason(word)));
        });
        expect(withOpenAIFinishReasons(choices, first, true) === undefined).toBe(words.every(isOpenAIFinishReason));
      }),
    );
  });
});

describe('OpenAIPassthroughEncoder and finish reasons', () => {
  const options = { requestId: 'req_1', model: 'openai/gpt-4o-mini', modelPrefix: 'openai/', includeUsage: false };
  const start: StreamPart = { type: 'stream-start', id: 'chatcmpl-1', model: 'gpt-4o-mini', created: 1 };
  const first = '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}';
  const finishing = (value: string) => `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":${value}}]}`;
  /** What the translated path writes for the same finish part. */
  const translated = (reason: FinishReason) => JSON.parse(new ChatChunkEncoder({ id: 'x', model: 'm', modelPrefix: '', includeUsage: false }).encode({ type: 'finish', finishReason: reason })[0]!).choices[0].finish_reason as string;

  function encode(data: string, reason: FinishReason, encoder = new OpenAIPassthroughEncoder(options)) {
    encoder.encode({ event: sse(first), parts: [start] });
    return encoder.encode({ event: sse(data), parts: [{ type: 'finish', finishReason: reason }] });
  }

  it('property: the client reads the finish reason the translated path writes, the word spelled plainly or with escapes; a defined word’s bytes pass as they came', () => {
    fc.assert(
      // An empty word is no finish to the tap (no finish part): see withOpenAIFinishReasons for what is left.
      fc.property(anyWord(openAIWords).filter((word) => word !== ''), fc.boolean(), (word, spelledWithEscapes) => {
        // The tap decodes escapes: its finish part holds the word itself however it was spelled.
        const reason = fromOpenAIFinishReason(word);
        const data = finishing(spelledWithEscapes ? escaped(word) : JSON.stringify(word));
        const out = encode(data, reason);
        expect(out).toHaveLength(1);
        const chunk = JSON.parse(out[0] as string);
        expect(chunk.choices[0].finish_reason).toBe(isOpenAIFinishReason(word) ? word : translated(reason));
        // Everything else of the event is the upstream's, the model renamed.
        expect(chunk).toMatchObject({ id: 'chatcmpl-1', model: 'openai/gpt-4o-mini', system_fingerprint: 'fp_1', choices: [{ index: 0, delta: {}, logprobs: null }] });
        if (isOpenAIFinishReason(word)) expect(out[0]).toBe(data.replace('"model":"gpt-4o-mini"', '"model":"openai/gpt-4o-mini"'));
      }),
    );
  });

  it('writes a preset’s own word as the preset maps it (Mistral’s model_length: length)', () => {
    const out = encode(finishing('"model_length"'), { unified: 'length', raw: 'model_length' });
    expect(JSON.parse(out[0] as string).choices[0].finish_reason).toBe('length');
  });

  it('writes the finish reason of an event that carries the usage at once, and the usage alone before [DONE] for a client that asked for it', () => {
    const usage: StreamPart = { type: 'usage', usage: { inputTokens: 5, outputTokens: 7 } };
    const data = '{"id":"chatcmpl-1","model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"abort"}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}';
    for (const includeUsage of [true, false]) {
      const encoder = new OpenAIPassthroughEncoder({ ...options, includeUsage });
      encoder.encode({ event: sse(first), parts: [start] });
      const [out] = encoder.encode({ event: sse(data), parts: [{ type: 'finish', finishReason: fromOpenAIFinishReason('abort') }, usage] });
      expect(JSON.parse(out as string)).toEqual({ id: 'chatcmpl-1', model: 'openai/gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
      const end = encoder.finish();
      expect(end.at(-1)).toBe('[DONE]');
      expect(end.slice(0, -1).map((event) => JSON.parse(event as string))).toEqual(
        includeUsage ? [{ id: 'chatcmpl-1', model: 'openai/gpt-4o-mini', choices: [], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } }] : [],
      );
    }
  });

  it('writes null for a finish_reason that is not a word (no finish part read from it), as the translated path writes null there; the rest of the event as it came', () => {
    for (const value of ['5', '0', '""', 'true', 'false', '{"reason":"stop"}', '["stop"]', '-0.5e3']) {
      for (const spelledWithEscapes of [false, true]) {
        const data = finishing(value);
        const written = spelledWithEscapes ? data.replace('"finish_reason"', '"fin\\u0069sh_reason"') : data;
        const encoder = new OpenAIPassthroughEncoder(options);
        encoder.encode({ event: sse(first), parts: [start] });
        const out = encoder.encode({ event: sse(written), parts: [] });
        expect(out).toHaveLength(1);
        expect(JSON.parse(out[0] as string)).toEqual({ ...JSON.parse(data), model: 'openai/gpt-4o-mini', choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: null }] });
      }
    }
  });

  it('passes as it came (the model renamed) an event read for a finish_reason that is only in its content, or for an escape in a value', () => {
    for (const data of [
      '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"finish_reason"},"finish_reason":null}]}',
      '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"caf\\u00e9"},"finish_reason":null}]}',
    ]) {
      const encoder = new OpenAIPassthroughEncoder(options);
      encoder.encode({ event: sse(first), parts: [start] });
      expect(encoder.encode({ event: sse(data), parts: [{ type: 'text-delta', delta: 'x' }] })).toEqual([data.replace('"model":"gpt-4o-mini"', '"model":"openai/gpt-4o-mini"')]);
    }
  });

  it('leaves an event alone whose finish part names no word (an encoder fed by hand)', () => {
    const data = finishing('"stop"');
    expect(encode(data, { unified: 'stop' })).toEqual([data.replace('"model":"gpt-4o-mini"', '"model":"openai/gpt-4o-mini"')]);
  });
});

describe('formatOpenAIPassthroughResponse and finish reasons', () => {
  const response = (finishReason: FinishReason): ChatResponse => ({ id: 'chatcmpl-w', model: 'gpt-4o-mini', created: 1, content: [], finishReason, usage: { inputTokens: 9, outputTokens: 2 } });
  const body = (finishReason: unknown) => ({
    id: 'chatcmpl-w',
    object: 'chat.completion',
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, logprobs: null, finish_reason: finishReason }],
    usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
  });

  it('passes a defined word’s choices as they came (the same objects), and writes an undefined one as the translated path does', () => {
    const defined = body('length');
    const answer = formatOpenAIPassthroughResponse(defined, response({ unified: 'length', raw: 'length' }), 'openai/gpt-4o-mini') as Record<string, unknown>;
    expect(answer['choices']).toBe(defined.choices);
    for (const [word, reason, reads] of [
      ['abort', fromOpenAIFinishReason('abort'), 'stop'],
      ['model_length', { unified: 'length', raw: 'model_length' }, 'length'],
      ['toString', fromOpenAIFinishReason('toString'), 'stop'],
      // A missing or null finish reason: the tap reads `stop`, as the translated path writes it.
      [null, fromOpenAIFinishReason('stop'), 'stop'],
      [undefined, fromOpenAIFinishReason('stop'), 'stop'],
    ] as const) {
      const upstream = body(word);
      const written = formatOpenAIPassthroughResponse(upstream, response(reason), 'openai/gpt-4o-mini') as ReturnType<typeof body>;
      expect(written.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'Hi' }, logprobs: null, finish_reason: reads }]);
      expect(written.choices[0]!.message).toBe(upstream.choices[0]!.message);
      // The upstream's body is not changed (a fallback or a log may still read it).
      expect(upstream.choices[0]!.finish_reason).toBe(word);
    }
  });
});

describe('the Anthropic fast path and stop reasons', () => {
  const options = { requestId: 'req_1', model: 'anthropic/claude', modelPrefix: 'anthropic/', includeUsage: false };
  const usage = { inputTokens: 9, outputTokens: 17 };
  const delta = (value: string) => `{"type":"message_delta","delta":{"stop_reason":${value},"stop_sequence":null},"usage":{"output_tokens":17}}`;
  /** The finish part the Anthropic tap reads (mapAnthropicStopReason): a word it does not know is `other`. */
  const tapped = (word: string): FinishReason => ({ unified: anthropicWords.includes(word) ? 'stop' : 'other', raw: word });

  it('withAnthropicStopReason writes the stop reason and keeps every other field; what is not a message_delta goes back as it came', () => {
    expect(JSON.parse(withAnthropicStopReason(delta('"abort"'), { unified: 'other', raw: 'abort' }))).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 17 },
    });
    expect(JSON.parse(withAnthropicStopReason(delta('"model_length"'), { unified: 'length', raw: 'model_length' })).delta.stop_reason).toBe('max_tokens');
    for (const data of ['{"type":"message_delta"', '[1]', 'null']) expect(withAnthropicStopReason(data, { unified: 'other', raw: 'x' })).toBe(data);
  });

  it('withAnthropicStopReason gives a message_delta without a delta object the one the translated path writes', () => {
    for (const data of ['{"type":"message_delta","delta":null,"usage":{"output_tokens":17}}', '{"type":"message_delta","usage":{"output_tokens":17}}', '{"type":"message_delta","delta":"end_turn","usage":{"output_tokens":17}}']) {
      expect(JSON.parse(withAnthropicStopReason(data, { unified: 'stop' }))).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 17 } });
    }
  });

  it('the encoder writes a message_delta the tap read no stop reason from (null, "", 0, false, none, no delta) with end_turn, as the translated path writes it; its other fields as they came', () => {
    for (const data of [
      delta('null'),
      delta('""'),
      delta('0'),
      delta('false'),
      '{"type":"message_delta","delta":{"stop_sequence":null},"usage":{"output_tokens":17}}',
      '{"type":"message_delta","usage":{"output_tokens":17}}',
    ]) {
      for (const named of [true, false]) {
        const encoder = new AnthropicPassthroughEncoder({ ...options, billedUsage: () => usage });
        const [out] = encoder.encode({ event: sse(data, named ? 'message_delta' : undefined), parts: [{ type: 'usage', usage }] });
        expect(JSON.parse((out as { data: string }).data)).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 17 } });
      }
    }
  });

  it('the encoder writes the stream’s last finish in a later message_delta without one, as the translated path keeps it; leaves events that are not message_delta alone', () => {
    const encoder = new AnthropicPassthroughEncoder({ ...options, billedUsage: () => usage });
    const first = delta('"max_tokens"');
    expect(encoder.encode({ event: sse(first, 'message_delta'), parts: [{ type: 'finish', finishReason: { unified: 'length', raw: 'max_tokens' } }, { type: 'usage', usage }] })).toEqual([{ event: 'message_delta', data: first }]);
    const [out] = encoder.encode({ event: sse(delta('null'), 'message_delta'), parts: [{ type: 'usage', usage }] });
    expect(JSON.parse((out as { data: string }).data).delta.stop_reason).toBe('max_tokens');
    for (const [name, data] of [
      ['message_stop', '{"type":"message_stop"}'],
      ['ping', '{"type": "ping"}'],
      ['content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'],
      ['content_block_stop', '{"type":"content_block_stop","index":0}'],
    ] as const) {
      expect(encoder.encode({ event: sse(data, name), parts: [] })).toEqual([{ event: name, data }]);
    }
  });

  it('property: the encoder writes an undefined stop reason as the translated path does, plain or escaped, and passes a defined one’s bytes as they came', () => {
    fc.assert(
      // An empty word is no finish to the tap (no finish part).
      fc.property(anyWord(anthropicWords).filter((word) => word !== ''), fc.boolean(), (word, spelledWithEscapes) => {
        const data = delta(spelledWithEscapes ? escaped(word) : JSON.stringify(word));
        const encoder = new AnthropicPassthroughEncoder({ ...options, billedUsage: () => usage });
        const [out] = encoder.encode({ event: sse(data, 'message_delta'), parts: [{ type: 'finish', finishReason: tapped(word) }, { type: 'usage', usage }] });
        const written = (out as { event: string; data: string }).data;
        expect(JSON.parse(written).delta.stop_reason).toBe(isAnthropicStopReason(word) ? word : toAnthropicStopReason(tapped(word)));
        if (isAnthropicStopReason(word)) expect(written).toBe(data);
      }),
    );
  });

  it('rewrites the stop reason and the billed usage of one message_delta together', () => {
    const encoder = new AnthropicPassthroughEncoder({ ...options, billedUsage: () => usage });
    const unreadable = '{"type":"message_delta","delta":{"stop_reason":"abort"},"usage":{"output_tokens":-1}}';
    const [out] = encoder.encode({ event: sse(unreadable, 'message_delta'), parts: [{ type: 'finish', finishReason: tapped('abort') }] });
    expect(JSON.parse((out as { data: string }).data)).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 9, output_tokens: 17 } });
  });

  it('formatAnthropicPassthroughMessage writes an undefined or missing stop reason as the translated path does, a defined one as it came', () => {
    const response = (finishReason: FinishReason): ChatResponse => ({ id: 'msg_1', model: 'claude', created: 1, content: [], finishReason, usage });
    const message = (stopReason: unknown) => ({ id: 'msg_1', type: 'message', model: 'claude', content: [], stop_reason: stopReason, usage: { input_tokens: 9, output_tokens: 17 } });
    for (const [value, reason, reads] of [
      ['abort', tapped('abort'), 'end_turn'],
      ['__proto__', tapped('__proto__'), 'end_turn'],
      [5, { unified: 'other', raw: 5 as unknown as string }, 'end_turn'],
      [null, { unified: 'other' }, 'end_turn'],
      ['', { unified: 'other' }, 'end_turn'],
      [0, { unified: 'other' }, 'end_turn'],
      [undefined, { unified: 'other' }, 'end_turn'],
      ['pause_turn', tapped('pause_turn'), 'pause_turn'],
      ['refusal', { unified: 'content-filter', raw: 'refusal' }, 'refusal'],
    ] as const) {
      expect((formatAnthropicPassthroughMessage(message(value), response(reason), 'anthropic/claude') as { stop_reason: unknown }).stop_reason).toBe(reads);
    }
  });
});

describe('Responses: isResponsesStatus / withResponsesStatus and the pass-through', () => {
  const statuses = ['completed', 'failed', 'in_progress', 'cancelled', 'queued', 'incomplete'];
  const reasons = ['max_output_tokens', 'content_filter'];
  const other: FinishReason = { unified: 'other', raw: 'incomplete' };
  const length: FinishReason = { unified: 'length', raw: 'incomplete' };

  it('isResponsesStatus knows OpenAI’s statuses, and an incomplete one only with a reason of its own', () => {
    for (const status of statuses.filter((status) => status !== 'incomplete')) {
      expect(isResponsesStatus(status, null)).toBe(true);
      expect(isResponsesStatus(status, undefined)).toBe(true);
    }
    for (const reason of reasons) expect(isResponsesStatus('incomplete', { reason })).toBe(true);
    expect(isResponsesStatus('incomplete', { reason: 'max_output_tokens', extra: 1 })).toBe(true);
    for (const [status, details] of [
      ['incomplete', null],
      ['incomplete', undefined],
      ['incomplete', {}],
      ['incomplete', { reason: 'model_length' }],
      ['incomplete', { reason: 5 }],
      ['incomplete', { reason: '__proto__' }],
      ['incomplete', 'max_output_tokens'],
      ['incomplete', ['max_output_tokens']],
      ['completed', { reason: 'model_length' }],
      ['done', null],
      ['', null],
      ['toString', null],
      ['COMPLETED', null],
      [5, null],
      [null, null],
      [undefined, null],
      [{ status: 'completed' }, null],
    ] as const) {
      expect(isResponsesStatus(status, details)).toBe(false);
    }
  });

  it('withResponsesStatus writes an undefined status or reason as the translated path writes the finish, and leaves defined ones (no write)', () => {
    for (const [response, reason] of [
      [{ status: 'incomplete', incomplete_details: { reason: 'model_length' }, output: [] }, other],
      [{ status: 'done', incomplete_details: null, output: [] }, other],
      [{ status: 7, output: [] }, length],
      [{ output: [] }, { unified: 'stop', raw: 'unknown' }],
    ] as const) {
      const copy: Record<string, unknown> = { ...response };
      expect(withResponsesStatus(copy, reason)).toBe(true);
      expect(copy).toEqual({ ...response, ...toResponsesStatus(reason) });
    }
    for (const response of [{ status: 'completed', incomplete_details: null }, { status: 'incomplete', incomplete_details: { reason: 'content_filter' } }, { status: 'failed', incomplete_details: null }]) {
      const copy: Record<string, unknown> = { ...response };
      expect(withResponsesStatus(copy, other)).toBe(false);
      expect(copy).toEqual(response);
    }
  });

  it('property: after withResponsesStatus a Response’s status and details are always ones OpenAI defines', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...statuses, 'done'), fc.jsonValue()), fc.oneof(fc.constant(null), fc.record({ reason: fc.oneof(fc.constantFrom(...reasons), fc.jsonValue()) }), fc.jsonValue()), fc.constantFrom<FinishReason>(other, length, { unified: 'stop' }, { unified: 'content-filter' }), (status, details, reason) => {
        const response: Record<string, unknown> = { status, incomplete_details: details };
        const defined = isResponsesStatus(status, details);
        expect(withResponsesStatus(response, reason)).toBe(!defined);
        expect(isResponsesStatus(response['status'], response['incomplete_details'])).toBe(true);
        if (defined) expect(response).toEqual({ status, incomplete_details: details });
        else expect(response).toEqual(toResponsesStatus(reason));
      }),
    );
  });

  describe('the pass-through encoder', () => {
    const options = { requestId: 'req_1', model: 'openai/gpt-4o-mini', modelPrefix: 'openai/', includeUsage: true, billedUsage: () => ({ inputTokens: 41, outputTokens: 9 }) };
    const final = (type: string, status: unknown, details: unknown) =>
      JSON.stringify({ type, sequence_number: 9, response: { id: 'resp_up', object: 'response', status, incomplete_details: details, model: 'gpt-4o-mini', output: [], usage: { input_tokens: 41, output_tokens: 9, total_tokens: 50 } } });

    it('writes a final event’s undefined status as the translated path does, names the event after it, and stores that; a defined one passes (the event named as it came)', () => {
      for (const [type, status, details, reason, writes] of [
        ['response.incomplete', 'incomplete', { reason: 'model_length' }, other, { type: 'response.completed', status: 'completed', incomplete_details: null }],
        ['response.completed', 'done', null, other, { type: 'response.completed', status: 'completed', incomplete_details: null }],
        ['response.completed', 5, null, length, { type: 'response.incomplete', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }],
        ['response.incomplete', 'incomplete', { reason: 'content_filter' }, { unified: 'content-filter', raw: 'incomplete' }, { type: 'response.incomplete', status: 'incomplete', incomplete_details: { reason: 'content_filter' } }],
        ['response.completed', 'failed', null, other, { type: 'response.completed', status: 'failed', incomplete_details: null }],
      ] as const) {
        const stored: unknown[] = [];
        const encoder = createResponsesPassthrough({ responseId: 'resp_gw', onFinished: (response) => stored.push(response) }).createStreamEncoder(options);
        const [out] = encoder.encode({ event: sse(final(type, status, details), type), parts: [{ type: 'finish', finishReason: reason }] });
        const { event, data } = out as { event: string; data: string };
        const written = JSON.parse(data);
        expect({ event, type: written.type, status: written.response.status, incomplete_details: written.response.incomplete_details }).toEqual({ event: writes.type, ...writes });
        expect(written.response).toMatchObject({ id: 'resp_gw', model: 'openai/gpt-4o-mini' });
        expect(stored).toEqual([written.response]);
      }
    });

    it('leaves events that are not final alone, their status included', () => {
      const encoder = createResponsesPassthrough({}).createStreamEncoder(options);
      const created = JSON.stringify({ type: 'response.created', sequence_number: 0, response: { id: 'resp_up', status: 'weird', incomplete_details: null, model: 'gpt-4o-mini', output: [] } });
      const [out] = encoder.encode({ event: sse(created, 'response.created'), parts: [] });
      expect(JSON.parse((out as { data: string }).data).response.status).toBe('weird');
    });

    it('formatResponse writes a whole Response’s undefined status as the translated path does, and stores it; leaves a defined one', () => {
      const response = (finishReason: FinishReason): ChatResponse => ({ id: 'resp_up', model: 'gpt-4o-mini', created: 1, content: [], finishReason, usage: { inputTokens: 41, outputTokens: 9 } });
      const body = (status: unknown, details: unknown) => ({ id: 'resp_up', object: 'response', status, incomplete_details: details, output: [], usage: { input_tokens: 41, output_tokens: 9, total_tokens: 50 } });
      for (const [status, details, reason, reads] of [
        ['incomplete', { reason: 5 }, other, { status: 'completed', incomplete_details: null }],
        [undefined, undefined, other, { status: 'completed', incomplete_details: null }],
        ['incomplete', { reason: 'max_output_tokens' }, length, { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }],
      ] as const) {
        const stored: unknown[] = [];
        const upstream = body(status, details);
        const written = createResponsesPassthrough({ onFinished: (finished) => stored.push(finished) }).formatResponse(upstream, response(reason), 'openai/gpt-4o-mini') as Record<string, unknown>;
        expect({ status: written['status'], incomplete_details: written['incomplete_details'] }).toEqual(reads);
        expect(stored).toEqual([written]);
        // The upstream's body is not changed.
        expect(upstream.status).toBe(status);
      }
    });
  });
});
