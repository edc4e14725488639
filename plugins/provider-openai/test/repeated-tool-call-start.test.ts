import type { StreamPart } from '@switchyard/core';
import { decodeSseText } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { createCompatibleStreamDecoder, createOpenAIStreamDecoder } from '../src/index.js';

/**
 * Some OpenAI-compatible servers (DeepSeek and Qwen are reported to) repeat a tool call's
 * id and name in every chunk of its arguments, where OpenAI sends them in the first only.
 * Each repeat was a new tool-call-start: an Anthropic client got one tool_use block per
 * chunk (the arguments split between them), an OpenAI client the name again in each chunk.
 */
const chunk = (delta: unknown, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const call = (index: number, id: string, name: string, args: string) => ({ tool_calls: [{ index, id, type: 'function', function: { name, arguments: args } }] });
const stream =
  chunk({ role: 'assistant', content: '' }) +
  chunk(call(0, 'call_a', 'get_weather', '')) +
  chunk(call(0, 'call_a', 'get_weather', '{"city":')) +
  chunk(call(0, 'call_a', 'get_weather', '"Paris"}')) +
  chunk(call(1, 'call_b', 'get_time', '{"tz":')) +
  chunk(call(1, 'call_b', 'get_time', '"CET"}')) +
  chunk({}, 'tool_calls') +
  'data: [DONE]\n\n';

describe.each([
  ['the OpenAI decoder', () => createOpenAIStreamDecoder('openai')],
  ['the compatible decoder', () => createCompatibleStreamDecoder('deepseek')],
])('%s, given a tool call whose id and name come again in every chunk', (_name, decoder) => {
  it('starts each call once and keeps all of its arguments', async () => {
    const parts: StreamPart[] = await decodeSseText(decoder(), stream);
    expect(parts.filter((part) => part.type === 'tool-call-start')).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'get_weather' },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'get_time' },
    ]);
    const args = (index: number) =>
      parts.flatMap((part) => (part.type === 'tool-call-delta' && part.index === index ? [part.argumentsDelta] : [])).join('');
    expect([args(0), args(1)]).toEqual(['{"city":"Paris"}', '{"tz":"CET"}']);
  });
});
