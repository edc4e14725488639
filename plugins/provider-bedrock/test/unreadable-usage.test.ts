import type { StreamPart } from '@switchyard/core';
import { readFixture, readFixtureJson, unreadableTokenCounts } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { createConverseStreamDecoder, mapBedrockUsage, parseConverseResponse } from '../src/index.js';

/**
 * Bedrock's usage (Converse `usage`, ConverseStream `metadata`) is read by the core's
 * one rule (readTokenCount): a count that is not one, cache reads and writes included,
 * makes the usage unreadable and the gateway bills its estimate. Taken as they came,
 * text counts were concatenated and negative ones lowered the bill.
 */
const fields = ['inputTokens', 'outputTokens', 'cacheReadInputTokens', 'cacheWriteInputTokens'];

/** The recorded stream's frames as events, the metadata payload's JSON text passed through `edit`. */
function decodeFrames(edit: (data: string) => string = (data) => data): StreamPart[] {
  const decoder = createConverseStreamDecoder('bedrock');
  const parts: StreamPart[] = [];
  for (const line of readFixture('bedrock', 'stream-text-only-decoded.jsonl').split('\n').filter(Boolean)) {
    const frame = JSON.parse(line) as { headers: Record<string, string>; payload: unknown };
    const type = frame.headers[':event-type']!;
    const data = JSON.stringify(frame.payload);
    parts.push(...decoder.decode({ event: type, data: type === 'metadata' ? edit(data) : data, id: undefined }));
  }
  parts.push(...decoder.end());
  return parts;
}

describe('mapBedrockUsage', () => {
  it('adds cache reads and writes to the input; reads no usage as none', () => {
    expect(mapBedrockUsage({ inputTokens: 10, cacheReadInputTokens: 5, cacheWriteInputTokens: 2, outputTokens: 3 })).toEqual({
      inputTokens: 17,
      outputTokens: 3,
      cachedInputTokens: 5,
      cacheWriteInputTokens: 2,
    });
    expect(mapBedrockUsage(undefined)).toBeUndefined();
    expect(mapBedrockUsage({ totalTokens: 4 })).toBeUndefined();
  });

  it.each(unreadableTokenCounts)('reads a usage with any count %s as none', (_name, text) => {
    for (const field of fields) expect(mapBedrockUsage({ inputTokens: 10, outputTokens: 3, [field]: JSON.parse(text) }), field).toBeUndefined();
  });
});

describe('a whole Converse answer', () => {
  const fixture = readFixtureJson<Record<string, unknown>>('bedrock', 'response.json');

  it('has its usage, or none when it is missing or unreadable (it was billed 0, or as it came)', () => {
    expect(parseConverseResponse(fixture).usage).toEqual({ inputTokens: 686, outputTokens: 17 });
    const { usage: _usage, ...without } = fixture;
    expect(parseConverseResponse(without).usage).toBeUndefined();
    for (const [name, text] of unreadableTokenCounts) {
      const body = { ...fixture, usage: { ...(fixture['usage'] as object), inputTokens: JSON.parse(text) } };
      expect(parseConverseResponse(body).usage, name).toBeUndefined();
    }
  });
});

describe('a ConverseStream', () => {
  const usageParts = (parts: StreamPart[]) => parts.filter((part) => part.type === 'usage');

  it('as recorded: the metadata event\'s usage', () => {
    expect(usageParts(decodeFrames())).toHaveLength(1);
  });

  it.each(unreadableTokenCounts)('a metadata count %s gives no usage part, and the stream is still complete', (_name, text) => {
    const parts = decodeFrames((data) => {
      const edited = data.replace(/"outputTokens":\d+/, `"outputTokens":${text}`);
      expect(edited).not.toBe(data);
      return edited;
    });
    expect(usageParts(parts)).toEqual([]);
    expect(parts.some((part) => part.type === 'finish')).toBe(true);
  });
});
