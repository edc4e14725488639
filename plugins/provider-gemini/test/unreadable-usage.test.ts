import type { StreamPart } from '@switchyard/core';
import { decodeSseText, readFixture, readFixtureJson, unreadableTokenCounts } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { createGeminiStreamDecoder, mapGeminiUsage, parseGenerateContentResponse } from '../src/index.js';

/**
 * Gemini's usageMetadata is read by the core's one rule (readTokenCount): a billed
 * count that is not one makes the usage unreadable and the gateway bills its estimate.
 * Such counts were read as 0, and fractions were billed as they came.
 */
const billedFields = ['promptTokenCount', 'candidatesTokenCount', 'thoughtsTokenCount', 'toolUsePromptTokenCount'];

async function decodeAll(text: string): Promise<StreamPart[]> {
  return decodeSseText(createGeminiStreamDecoder('gemini'), text);
}

describe('mapGeminiUsage', () => {
  it('adds thoughts to the output and tool-use prompts to the input', () => {
    expect(mapGeminiUsage({ promptTokenCount: 10, toolUsePromptTokenCount: 5, candidatesTokenCount: 7, thoughtsTokenCount: 3, cachedContentTokenCount: 4 })).toEqual({
      inputTokens: 15,
      outputTokens: 10,
      cachedInputTokens: 4,
      reasoningTokens: 3,
    });
  });

  it('reads no usage, or one without prompt and candidates counts, as none', () => {
    expect(mapGeminiUsage(undefined)).toBeUndefined();
    expect(mapGeminiUsage({ totalTokenCount: 9 })).toBeUndefined();
  });

  it.each(unreadableTokenCounts)('reads a usage with a billed count %s as none', (_name, text) => {
    for (const field of billedFields) {
      expect(mapGeminiUsage({ promptTokenCount: 10, candidatesTokenCount: 7, [field]: JSON.parse(text) }), field).toBeUndefined();
    }
  });

  it('leaves out a cached count that is not one, keeping the usage', () => {
    expect(mapGeminiUsage({ promptTokenCount: 10, candidatesTokenCount: 7, cachedContentTokenCount: -4 })).toEqual({ inputTokens: 10, outputTokens: 7 });
  });
});

describe('a whole Gemini answer', () => {
  const fixture = readFixtureJson<Record<string, unknown>>('gemini', 'response.json');

  it('has its usage, or none when it is missing or unreadable (it was billed 0)', () => {
    expect(parseGenerateContentResponse(fixture, 'gemini').usage).toEqual({ inputTokens: 106, outputTokens: 15 });
    const { usageMetadata: _usage, ...without } = fixture;
    expect(parseGenerateContentResponse(without, 'gemini').usage).toBeUndefined();
    for (const [name, text] of unreadableTokenCounts) {
      const body = { ...fixture, usageMetadata: { ...(fixture['usageMetadata'] as object), candidatesTokenCount: JSON.parse(text) } };
      expect(parseGenerateContentResponse(body, 'gemini').usage, name).toBeUndefined();
    }
  });
});

describe('a Gemini stream', () => {
  const fixture = readFixture('gemini', 'stream-text-only.txt');
  // The final usage parts: the first event's counts also go out early, partial (billed only for a stream cut before the end).
  const usageParts = (parts: StreamPart[]) => parts.filter((part) => part.type === 'usage' && !part.partial);

  it('as recorded: the last usageMetadata', async () => {
    expect(usageParts(await decodeAll(fixture))).toEqual([{ type: 'usage', usage: { inputTokens: 106, outputTokens: 15 } }]);
  });

  it.each(unreadableTokenCounts)('a last usageMetadata with a count %s gives no usage, not the earlier one', async (_name, text) => {
    const mutated = fixture.replace(/"candidatesTokenCount": 15/, `"candidatesTokenCount": ${text}`);
    expect(mutated).not.toBe(fixture);
    expect(usageParts(await decodeAll(mutated))).toEqual([]);
  });
});
