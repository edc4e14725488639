import type { StreamPart } from '@switchyard/core';
import { decodeSseText, readFixture, readFixtureJson, unreadableTokenCounts } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { createCohereStreamDecoder, mapCohereUsage, parseCohereChatResponse } from '../src/index.js';

/**
 * Cohere's usage is read by the core's one rule (readTokenCount): a count that is not
 * one makes the usage unreadable and the gateway bills its estimate. Such counts were
 * billed as they came (text, negative, NaN into the ledger), a missing usage as 0.
 */

async function decodeAll(text: string): Promise<StreamPart[]> {
  return decodeSseText(createCohereStreamDecoder('cohere'), text);
}

describe('mapCohereUsage', () => {
  it.each(unreadableTokenCounts)('reads a usage with a count %s as none, in tokens or billed_units', (_name, text) => {
    const value = JSON.parse(text) as unknown;
    expect(mapCohereUsage({ tokens: { input_tokens: value, output_tokens: 3 } })).toBeUndefined();
    expect(mapCohereUsage({ tokens: { input_tokens: 5, output_tokens: value } })).toBeUndefined();
    expect(mapCohereUsage({ billed_units: { input_tokens: value, output_tokens: 3 } })).toBeUndefined();
  });

  it('reads a usage without counts as none, and leaves out a cached count that is not one', () => {
    expect(mapCohereUsage({})).toBeUndefined();
    expect(mapCohereUsage({ tokens: { input_tokens: 5, output_tokens: 3 }, cached_tokens: -1 })).toEqual({ inputTokens: 5, outputTokens: 3 });
  });
});

describe('a whole Cohere answer', () => {
  const fixture = readFixtureJson<Record<string, unknown>>('cohere', 'response.json');

  it('has its usage, or none when it is missing or unreadable', () => {
    expect(parseCohereChatResponse(fixture, 'cohere').usage).toEqual({ inputTokens: 71, outputTokens: 14 });
    const { usage: _usage, ...without } = fixture;
    expect(parseCohereChatResponse(without, 'cohere').usage).toBeUndefined();
    for (const [name, text] of unreadableTokenCounts) {
      const usage = fixture['usage'] as { tokens: object };
      const body = { ...fixture, usage: { ...usage, tokens: { ...usage.tokens, output_tokens: JSON.parse(text) } } };
      expect(parseCohereChatResponse(body, 'cohere').usage, name).toBeUndefined();
    }
  });
});

describe('a Cohere stream', () => {
  const fixture = readFixture('cohere', 'stream-text-only.txt');
  const usageParts = (parts: StreamPart[]) => parts.filter((part) => part.type === 'usage');

  it.each(unreadableTokenCounts)('a message-end count %s gives no usage part, and still finishes', async (_name, text) => {
    expect(usageParts(await decodeAll(fixture))).toHaveLength(1);
    const mutated = fixture.replace('"tokens":{"input_tokens":1184', `"tokens":{"input_tokens":${text}`);
    expect(mutated).not.toBe(fixture);
    const parts = await decodeAll(mutated);
    expect(usageParts(parts)).toEqual([]);
    expect(parts.some((part) => part.type === 'finish')).toBe(true);
  });
});
