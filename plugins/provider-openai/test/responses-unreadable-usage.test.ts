import { decodeSseText, unreadableTokenCounts } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { parseResponsesResponse } from '../src/responses/parse-responses-response.js';
import { createResponsesStreamDecoder } from '../src/responses/responses-stream-decoder.js';

/**
 * A Responses usage the gateway cannot bill from is read as no usage (undefined, no
 * usage part), so the gateway bills its estimate: it was floored to 0, a free answer.
 */

const withCounts = (usage: Record<string, unknown>, keys: string[], value: unknown) => ({ ...usage, ...Object.fromEntries(keys.map((key) => [key, value])) });

describe('a Responses answer', () => {
  const usage = { input_tokens: 9, input_tokens_details: { cached_tokens: 4 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 1 }, total_tokens: 11 };
  const response = (value: unknown) => ({ status: 'completed', output: [], usage: value });
  const completed = (value: unknown) => `event: response.completed\ndata: ${JSON.stringify({ type: 'response.completed', response: response(value) })}\n\n`;

  it('reads a valid usage as it came, and a missing one as none', () => {
    expect(parseResponsesResponse(response(usage), 'openai').usage).toEqual({ inputTokens: 9, outputTokens: 2, cachedInputTokens: 4, reasoningTokens: 1 });
    expect(parseResponsesResponse(response(undefined), 'openai').usage).toBeUndefined();
    expect(parseResponsesResponse(response(null), 'openai').usage).toBeUndefined();
  });

  it.each(unreadableTokenCounts)('reads counts that are %s as no usage, whole or streamed (they were floored to 0)', async (_name, text) => {
    for (const key of ['input_tokens', 'output_tokens']) {
      expect(parseResponsesResponse(response(withCounts(usage, [key], JSON.parse(text))), 'openai').usage, key).toBeUndefined();
      const event = completed(usage).replace(new RegExp(`"${key}":\\d+`), `"${key}":${text}`);
      const parts = await decodeSseText(createResponsesStreamDecoder('openai'), event);
      expect(parts.filter((part) => part.type === 'usage'), key).toEqual([]);
    }
  });

  it('leaves out a detail count that is not one, keeping the usage', () => {
    expect(parseResponsesResponse(response({ ...usage, input_tokens_details: { cached_tokens: -4 } }), 'openai').usage).toEqual({ inputTokens: 9, outputTokens: 2, reasoningTokens: 1 });
  });
});
