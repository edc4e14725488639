import type { StreamPart } from '@switchyard/core';
import { decodeSseText, readFixture, readFixtureJson, unreadableTokenCounts } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { createAnthropicStreamDecoder, mapAnthropicUsage, parseAnthropicMessage } from '../src/index.js';

/**
 * Anthropic's usage is read by the core's one rule (readTokenCount): a count that is
 * not one, in any of the four fields (cache reads and writes are billed too), makes
 * the usage unreadable, and the gateway bills its estimate. Taken as they came, `"9"`
 * was concatenated onto the sum and negative counts lowered the bill.
 */
const fields = ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'];

async function decodeAll(text: string): Promise<StreamPart[]> {
  return decodeSseText(createAnthropicStreamDecoder('anthropic'), text);
}
const usageParts = (parts: StreamPart[]) => parts.filter((part) => part.type === 'usage');

describe('mapAnthropicUsage', () => {
  it('adds cache reads and writes to the input, and reads counts written as digits as numbers', () => {
    expect(mapAnthropicUsage({ input_tokens: 74, cache_read_input_tokens: 512, cache_creation_input_tokens: 10, output_tokens: 17 })).toEqual({
      inputTokens: 596,
      outputTokens: 17,
      cachedInputTokens: 512,
      cacheWriteInputTokens: 10,
    });
    expect(mapAnthropicUsage({ input_tokens: '9', cache_read_input_tokens: '2', output_tokens: '3' })).toEqual({ inputTokens: 11, outputTokens: 3, cachedInputTokens: 2 });
  });

  it('reads no usage, or one without input and output counts, as none', () => {
    expect(mapAnthropicUsage(undefined)).toBeUndefined();
    expect(mapAnthropicUsage(null)).toBeUndefined();
    expect(mapAnthropicUsage({})).toBeUndefined();
    expect(mapAnthropicUsage({ cache_read_input_tokens: 5 })).toBeUndefined();
  });

  it('reads a usage without input_tokens as an unknown input (0), not its cache counts summed', () => {
    expect(mapAnthropicUsage({ cache_read_input_tokens: 512, cache_creation_input_tokens: 10, output_tokens: 17 })).toEqual({
      inputTokens: 0,
      outputTokens: 17,
      cachedInputTokens: 512,
      cacheWriteInputTokens: 10,
    });
  });

  it.each(unreadableTokenCounts)('reads a usage with any count %s as none', (_name, text) => {
    for (const field of fields) {
      expect(mapAnthropicUsage({ input_tokens: 74, output_tokens: 17, [field]: JSON.parse(text) }), field).toBeUndefined();
    }
  });

  it('reads a sum past 2^53 as none', () => {
    expect(mapAnthropicUsage({ input_tokens: 2 ** 52, cache_read_input_tokens: 2 ** 52, output_tokens: 1 })).toBeUndefined();
  });
});

describe('a whole Anthropic message', () => {
  const fixture = readFixtureJson<Record<string, unknown>>('anthropic', 'response.json');

  it('with its usage as it came', () => {
    expect(parseAnthropicMessage(fixture, 'anthropic').usage).toEqual({ inputTokens: 586, outputTokens: 17, cachedInputTokens: 512 });
  });

  it('without a usage, or with one that cannot be read, has none (it was billed 0, or as it came)', () => {
    const { usage: _usage, ...without } = fixture;
    expect(parseAnthropicMessage(without, 'anthropic').usage).toBeUndefined();
    for (const [name, text] of unreadableTokenCounts) {
      const body = { ...fixture, usage: { ...(fixture['usage'] as object), output_tokens: JSON.parse(text) } };
      expect(parseAnthropicMessage(body, 'anthropic').usage, name).toBeUndefined();
    }
  });
});

describe('an Anthropic stream', () => {
  const fixture = readFixture('anthropic', 'stream-text-only.txt');
  const inDelta = (field: string, text: string) => fixture.replace(new RegExp(`("type":"message_delta".*"${field}":)\\d+`), `$1${text}`);
  const inStart = (field: string, text: string) => fixture.replace(new RegExp(`("type":"message_start".*"${field}":)\\d+`), `$1${text}`);

  it('as recorded: message_start early (partial), message_delta final', async () => {
    expect(usageParts(await decodeAll(fixture))).toEqual([
      { type: 'usage', usage: { inputTokens: 586, outputTokens: 1, cachedInputTokens: 512 }, partial: true },
      { type: 'usage', usage: { inputTokens: 586, outputTokens: 17, cachedInputTokens: 512 } },
    ]);
  });

  it.each(unreadableTokenCounts)('a message_delta count %s gives no final usage (the gateway estimates)', async (_name, text) => {
    for (const field of fields) {
      const mutated = inDelta(field, text);
      expect(mutated, field).not.toBe(fixture);
      expect(usageParts(await decodeAll(mutated)).filter((part) => !part.partial), field).toEqual([]);
    }
  });

  it.each(unreadableTokenCounts)('a message_start count %s gives no early usage, nor a final one built on it', async (_name, text) => {
    const mutated = inStart('cache_read_input_tokens', text);
    // message_delta says every count again: its own are read.
    expect(usageParts(await decodeAll(mutated))).toEqual([{ type: 'usage', usage: { inputTokens: 586, outputTokens: 17, cachedInputTokens: 512 } }]);
    // Where message_delta leaves one out, message_start's stands, unreadable: no usage at all.
    expect(usageParts(await decodeAll(mutated.replace(/("type":"message_delta".*),"cache_read_input_tokens":\d+/, '$1')))).toEqual([]);
  });

  it('input_tokens in neither event: message_delta\'s output count goes as partial (the gateway estimates the prompt)', async () => {
    const mutated = fixture
      .replace(/("type":"message_start".*"usage":)\{[^}]*\{[^}]*\}[^}]*\}/, '$1{"output_tokens":1}')
      .replace(/("type":"message_delta".*"usage":)\{[^}]*\}/, '$1{"output_tokens":17}');
    expect(mutated).not.toBe(fixture);
    expect(usageParts(await decodeAll(mutated))).toEqual([
      { type: 'usage', usage: { inputTokens: 0, outputTokens: 1 }, partial: true },
      { type: 'usage', usage: { inputTokens: 0, outputTokens: 17 }, partial: true },
    ]);
    // message_start's input_tokens stands for a message_delta that leaves it out.
    const withStart = fixture.replace(/("type":"message_delta".*"usage":)\{[^}]*\}/, '$1{"output_tokens":17}');
    expect(usageParts(await decodeAll(withStart)).at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 586, outputTokens: 17, cachedInputTokens: 512 } });
  });

  it('cache counts without input_tokens: the input is unknown (0), not the cache counts summed as if they were all of it', async () => {
    const mutated = fixture
      .replace(/("type":"message_start".*"usage":)\{[^}]*\{[^}]*\}[^}]*\}/, '$1{"cache_read_input_tokens":512,"output_tokens":1}')
      .replace(/("type":"message_delta".*"usage":)\{[^}]*\}/, '$1{"output_tokens":17}');
    expect(mutated).not.toBe(fixture);
    expect(usageParts(await decodeAll(mutated))).toEqual([
      { type: 'usage', usage: { inputTokens: 0, outputTokens: 1, cachedInputTokens: 512 }, partial: true },
      { type: 'usage', usage: { inputTokens: 0, outputTokens: 17, cachedInputTokens: 512 }, partial: true },
    ]);
  });

  it('a message_delta without usage gives no final usage: message_start\'s output count is a placeholder', async () => {
    const mutated = fixture.replace(/(data: \{"type":"message_delta".*),"usage":\{[^}]*\}\}/, '$1}');
    expect(mutated).not.toBe(fixture);
    expect(usageParts(await decodeAll(mutated))).toEqual([{ type: 'usage', usage: { inputTokens: 586, outputTokens: 1, cachedInputTokens: 512 }, partial: true }]);
  });
});
