import { decodeSseText, readFixture, readFixtureJson, unreadableTokenCounts } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { createOpenAIStreamDecoder, parseChatCompletion, parseCompatibleCompletion } from '../src/index.js';

/**
 * A usage the gateway cannot bill from is read as no usage (undefined, no usage part),
 * so the gateway bills its estimate: never 0, never the text or NaN as it came.
 */
/** Each count as read from its JSON text (1e309 reads as Infinity). */
const unreadable: Array<[string, unknown]> = unreadableTokenCounts.map(([name, text]) => [name, JSON.parse(text)]);

const withCounts = (usage: Record<string, unknown>, keys: string[], value: unknown) => ({ ...usage, ...Object.fromEntries(keys.map((key) => [key, value])) });

describe('a whole chat completion (OpenAI, and every compatible preset, Azure and Mistral through the same parsers)', () => {
  const fixture = readFixtureJson<Record<string, unknown> & { usage: Record<string, unknown> }>('openai', 'response.json');

  it('reads a valid usage as it came', () => {
    expect(parseChatCompletion(fixture, 'openai').usage).toEqual({ inputTokens: 121, outputTokens: 14 });
    expect(parseCompatibleCompletion(fixture, 'groq').usage).toEqual({ inputTokens: 121, outputTokens: 14 });
  });

  it('reads no usage as none (the gateway estimates; it was billed 0)', () => {
    const { usage: _usage, ...without } = fixture;
    expect(parseChatCompletion(without, 'openai').usage).toBeUndefined();
    expect(parseCompatibleCompletion(without, 'groq').usage).toBeUndefined();
  });

  it.each(unreadable)('reads counts that are %s as no usage', (_name, value) => {
    for (const keys of [['prompt_tokens'], ['completion_tokens'], ['prompt_tokens', 'completion_tokens']]) {
      const body = { ...fixture, usage: withCounts(fixture.usage, keys, value) };
      expect(parseChatCompletion(body, 'openai').usage, keys.join()).toBeUndefined();
      expect(parseCompatibleCompletion(body, 'groq').usage, keys.join()).toBeUndefined();
    }
  });
});

describe('a streamed chat completion', () => {
  const fixture = readFixture('openai', 'stream.txt');

  it.each(unreadableTokenCounts)('with counts that are %s gives no usage part', async (_name, text) => {
    const mutated = fixture.replace(/"prompt_tokens":\d+/, `"prompt_tokens":${text}`);
    expect(mutated).not.toBe(fixture);
    expect((await decodeSseText(createOpenAIStreamDecoder('openai'), fixture)).filter((part) => part.type === 'usage')).toHaveLength(1);
    expect((await decodeSseText(createOpenAIStreamDecoder('openai'), mutated)).filter((part) => part.type === 'usage')).toEqual([]);
  });
});
