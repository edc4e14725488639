import { describe, expect, it } from 'vitest';
import { ChatChunkEncoder, type OpenAIChatChunk, type StreamPart } from '../src/index.js';

function encodeAll(parts: StreamPart[], includeUsage: boolean): OpenAIChatChunk[] {
  const encoder = new ChatChunkEncoder({ id: 'fallback', model: 'openai/fallback', modelPrefix: 'openai/', includeUsage });
  const payloads = parts.flatMap((part) => encoder.encode(part));
  payloads.push(...encoder.finish());
  return payloads.map((payload) => JSON.parse(payload) as OpenAIChatChunk);
}

const parts: StreamPart[] = [
  { type: 'stream-start', id: 'chatcmpl-1', model: 'gpt-4o-mini', created: 1700000000 },
  { type: 'text-delta', delta: 'It is ' },
  { type: 'text-delta', delta: '18°C.' },
  { type: 'tool-call-start', index: 0, id: 'call_a', name: 'get_weather' },
  { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
  { type: 'tool-call-delta', index: 0, argumentsDelta: '"Paris"}' },
  { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_use' } },
  { type: 'usage', usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 4 } },
];

describe('ChatChunkEncoder', () => {
  it('writes OpenAI chunks with the upstream id, model and created time', () => {
    const chunks = encodeAll(parts, false);
    expect(chunks.every((chunk) => chunk.id === 'chatcmpl-1' && chunk.model === 'openai/gpt-4o-mini' && chunk.created === 1700000000)).toBe(true);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: 'It is ' });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content).join('')).toBe('It is 18°C.');
    expect(chunks[2]!.choices[0]!.delta.tool_calls).toEqual([
      { index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } },
    ]);
    const args = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []).map((call) => call.function?.arguments ?? '');
    expect(JSON.parse(args.join(''))).toEqual({ city: 'Paris' });
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(chunks.some((chunk) => 'usage' in chunk)).toBe(false);
  });

  it.each([[Infinity], [Number.NaN], [-5], [2.5], [1e300]])('writes the arrival time for a plugin created of %s, every chunk still JSON', (created) => {
    const before = Math.floor(Date.now() / 1000);
    const encoder = new ChatChunkEncoder({ id: 'fallback', model: 'openai/fallback', modelPrefix: 'openai/', includeUsage: true });
    const payloads = [{ ...parts[0]!, created } as StreamPart, ...parts.slice(1)].flatMap((part) => encoder.encode(part));
    payloads.push(...encoder.finish());
    // A bare Infinity or NaN in the text made the whole stream unreadable to the client's JSON parser.
    const chunks = payloads.map((payload) => JSON.parse(payload) as OpenAIChatChunk);
    for (const chunk of chunks) {
      expect(chunk.created).toBeGreaterThanOrEqual(before);
      expect(chunk.created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    }
  });

  it('adds the usage chunk, with null usage on the others, when asked', () => {
    const chunks = encodeAll(parts, true);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 4 } });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it('writes each chunk byte for byte as JSON.stringify writes the chunk object, the role first in the first delta', () => {
    const encoder = new ChatChunkEncoder({ id: 'fallback', model: 'openai/fallback', modelPrefix: 'openai/', includeUsage: true });
    const head = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'openai/gpt-4o-mini' };
    const chunk = (delta: object, finishReason: string | null = null) =>
      JSON.stringify({ ...head, choices: [{ index: 0, delta, finish_reason: finishReason }], usage: null });
    const text = 'say "hi"\n\\ 18°C 😀 \u2028';
    expect(encoder.encode({ type: 'stream-start', id: 'chatcmpl-1', model: 'gpt-4o-mini', created: 1700000000 })).toEqual([]);
    expect(encoder.encode({ type: 'tool-call-start', index: 0, id: 'call_a', name: 'get_weather' })).toEqual([
      chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
    ]);
    expect(encoder.encode({ type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"Paris"}' })).toEqual([
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris"}' } }] }),
    ]);
    expect(encoder.encode({ type: 'text-delta', delta: text })).toEqual([chunk({ content: text })]);
    expect(encoder.encode({ type: 'reasoning-delta', delta: text })).toEqual([chunk({ reasoning_content: text })]);
    expect(encoder.encode({ type: 'refusal-delta', delta: text })).toEqual([chunk({ refusal: text })]);
    expect(encoder.encode({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } })).toEqual([chunk({}, 'stop')]);
  });

  it('gives a first chunk that only finishes the role alone', () => {
    const encoder = new ChatChunkEncoder({ id: 'chatcmpl-2', model: 'openai/m', modelPrefix: 'openai/', includeUsage: false });
    const [payload] = encoder.encode({ type: 'finish', finishReason: { unified: 'length', raw: 'length' } });
    const created = (JSON.parse(payload!) as OpenAIChatChunk).created;
    expect(payload).toBe(
      JSON.stringify({
        id: 'chatcmpl-2',
        object: 'chat.completion.chunk',
        created,
        model: 'openai/m',
        choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: 'length' }],
      }),
    );
  });
});
