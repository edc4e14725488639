import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../src/canonical/chat-request.js';
import { estimatePromptTokens } from '../src/pricing/estimate-prompt-tokens.js';
import { GeneratedOutput, estimateAnswerUsage, withBillableUsage } from '../src/pricing/generated-output.js';

const request: ChatRequest = { model: 'mock/echo', messages: [{ role: 'user', content: [{ type: 'text', text: 'x'.repeat(400) }] }], stream: false };

describe('GeneratedOutput: the usage of a stream cut before its final usage', () => {
  it('is undefined when the provider sent nothing at all', () => {
    expect(new GeneratedOutput().usage(request)).toBeUndefined();
  });

  it('bills the prompt once the stream began, even with no output yet', () => {
    const output = new GeneratedOutput();
    output.add({ type: 'stream-start', id: 'x', model: 'm', created: 0 });
    expect(output.usage(request)).toEqual({ inputTokens: estimatePromptTokens(request), outputTokens: 0 });
  });

  it('counts text, reasoning, refusals and tool calls, four letters a token and a token for each digit or symbol', () => {
    const output = new GeneratedOutput();
    output.add({ type: 'text-delta', delta: 'a'.repeat(40) });
    output.add({ type: 'reasoning-delta', delta: 'r'.repeat(20) });
    output.add({ type: 'refusal-delta', delta: 'n'.repeat(4) });
    output.add({ type: 'tool-call-start', index: 0, id: 'call_1', name: 'lookup' });
    output.add({ type: 'tool-call-delta', index: 0, argumentsDelta: '{"q":"abc"}' });
    output.add({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' } });
    // 40 + 20 + 4 letters, call_1 (4 letters, `_1` a token each: 4 + 8), lookup 6, and
    // {"q":"abc"} (4 letters, 7 symbols a token each: 4 + 28) = 114 characters → 29 tokens; 20 reasoning characters → 5.
    expect(output.usage(request)).toEqual({ inputTokens: estimatePromptTokens(request), outputTokens: 29, reasoningTokens: 5 });
  });

  it('takes the real numbers the provider reported early and estimates only the rest', () => {
    const output = new GeneratedOutput();
    output.add({ type: 'usage', usage: { inputTokens: 4321, outputTokens: 1, cachedInputTokens: 100 }, partial: true });
    output.add({ type: 'text-delta', delta: 'b'.repeat(400) });
    expect(output.usage(request)).toEqual({ inputTokens: 4321, outputTokens: 100, cachedInputTokens: 100 });
  });

  it('reads an input of 0 as unknown: the prompt estimate, and never less than the cache counts reported', () => {
    const longPrompt = new GeneratedOutput();
    longPrompt.add({ type: 'usage', usage: { inputTokens: 0, outputTokens: 17, cachedInputTokens: 30 }, partial: true });
    // A 400-character prompt: ~100 tokens estimated, more than the 30 read from the cache.
    expect(longPrompt.usage(request)).toEqual({ inputTokens: estimatePromptTokens(request), outputTokens: 17, cachedInputTokens: 30 });
    const cachedMore = new GeneratedOutput();
    cachedMore.add({ type: 'usage', usage: { inputTokens: 0, outputTokens: 17, cachedInputTokens: 5000, cacheWriteInputTokens: 100 }, partial: true });
    expect(cachedMore.usage(request)).toEqual({ inputTokens: 5100, outputTokens: 17, cachedInputTokens: 5000, cacheWriteInputTokens: 100 });
  });

  it('never bills less output than the provider already reported', () => {
    const output = new GeneratedOutput();
    output.add({ type: 'usage', usage: { inputTokens: 10, outputTokens: 50 }, partial: true });
    output.add({ type: 'text-delta', delta: 'short' });
    expect(output.usage(request)?.outputTokens).toBe(50);
  });
});

describe('GeneratedOutput: parts from a provider plugin that let a value of the wrong type through', () => {
  it('counts a delta, text or tool call that is not text as no characters, never NaN', () => {
    const output = new GeneratedOutput();
    output.add({ type: 'text-delta', delta: 'a'.repeat(8) });
    for (const junk of [12345, { a: 1 }, null, undefined, ['x']] as unknown as string[]) {
      output.add({ type: 'text-delta', delta: junk });
      output.add({ type: 'tool-call-start', index: 0, id: junk, name: junk });
      output.add({ type: 'tool-call-delta', index: 0, argumentsDelta: junk });
      output.addContent({ type: 'tool-call', id: junk, name: junk, arguments: junk });
    }
    expect(output.usage(request)).toEqual({ inputTokens: estimatePromptTokens(request), outputTokens: 2 });
  });
});

describe('estimateAnswerUsage: a whole answer without a usage the gateway can read', () => {
  it('bills what the same answer streamed without usage bills', () => {
    const streamed = new GeneratedOutput();
    streamed.add({ type: 'stream-start', id: 'x', model: 'm', created: 0 });
    streamed.add({ type: 'reasoning-delta', delta: 'r'.repeat(20) });
    streamed.add({ type: 'text-delta', delta: 'a'.repeat(40) });
    streamed.add({ type: 'refusal-delta', delta: 'n'.repeat(4) });
    streamed.add({ type: 'tool-call-start', index: 0, id: 'call_1', name: 'lookup' });
    streamed.add({ type: 'tool-call-delta', index: 0, argumentsDelta: '{"q":"abc"}' });
    const whole = estimateAnswerUsage(request, [
      { type: 'reasoning', text: 'r'.repeat(20) },
      { type: 'text', text: 'a'.repeat(40) },
      { type: 'refusal', text: 'n'.repeat(4) },
      { type: 'tool-call', id: 'call_1', name: 'lookup', arguments: '{"q":"abc"}' },
    ]);
    expect(whole).toEqual(streamed.usage(request));
    expect(whole).toEqual({ inputTokens: estimatePromptTokens(request), outputTokens: 29, reasoningTokens: 5 });
  });

  it('bills the prompt of an empty answer', () => {
    expect(estimateAnswerUsage(request, [])).toEqual({ inputTokens: estimatePromptTokens(request), outputTokens: 0 });
  });

  it('withBillableUsage bills an input of 0 as the prompt estimate, never less than the cache counts', () => {
    const answer = (usage: { inputTokens: number; outputTokens: number; cachedInputTokens?: number }) => ({ id: 'a', model: 'm', created: 0, content: [], finishReason: { unified: 'stop' as const, raw: 'stop' }, usage });
    expect(withBillableUsage(answer({ inputTokens: 0, outputTokens: 17, cachedInputTokens: 30 }), request).usage).toEqual({ inputTokens: estimatePromptTokens(request), outputTokens: 17, cachedInputTokens: 30 });
    expect(withBillableUsage(answer({ inputTokens: 0, outputTokens: 17, cachedInputTokens: 5000 }), request).usage).toEqual({ inputTokens: 5000, outputTokens: 17, cachedInputTokens: 5000 });
  });

  it('withBillableUsage bills an output of 0 for an answer with content as the same answer streamed: its estimate (Anthropic output_tokens left out)', () => {
    const content = [{ type: 'reasoning' as const, text: 'r'.repeat(20) }, { type: 'text' as const, text: 'a'.repeat(40) }];
    const answer = { id: 'a', model: 'm', created: 0, content, finishReason: { unified: 'stop' as const } };
    const streamed = new GeneratedOutput();
    streamed.add({ type: 'usage', usage: { inputTokens: 12, outputTokens: 0, cachedInputTokens: 4 }, partial: true });
    streamed.add({ type: 'reasoning-delta', delta: 'r'.repeat(20) });
    streamed.add({ type: 'text-delta', delta: 'a'.repeat(40) });
    const billed = withBillableUsage({ ...answer, usage: { inputTokens: 12, outputTokens: 0, cachedInputTokens: 4 } }, request).usage;
    expect(billed).toEqual(streamed.usage(request));
    expect(billed).toEqual({ inputTokens: 12, outputTokens: 15, cachedInputTokens: 4, reasoningTokens: 5 });
    // Unknown input and output both: the prompt estimate too.
    expect(withBillableUsage({ ...answer, usage: { inputTokens: 0, outputTokens: 0 } }, request).usage).toEqual({ inputTokens: estimatePromptTokens(request), outputTokens: 15, reasoningTokens: 5 });
    // An answer with nothing in it keeps its 0.
    const empty = { inputTokens: 12, outputTokens: 0 };
    expect(withBillableUsage({ ...answer, content: [], usage: empty }, request).usage).toBe(empty);
  });

  it('withBillableUsage keeps a usage the upstream gave (the same object) and fills one it did not', () => {
    const usage = { inputTokens: 9, outputTokens: 2 };
    const answer = { id: 'a', model: 'm', created: 0, content: [{ type: 'text' as const, text: 'a'.repeat(8) }], finishReason: { unified: 'stop' as const } };
    expect(withBillableUsage({ ...answer, usage }, request).usage).toBe(usage);
    expect(withBillableUsage({ ...answer, usage: undefined }, request).usage).toEqual({ inputTokens: estimatePromptTokens(request), outputTokens: 2 });
  });
});
