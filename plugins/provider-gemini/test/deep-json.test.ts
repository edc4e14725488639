import { GatewayError, type ServerSentEvent } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { createGeminiStreamDecoder, mapGeminiError } from '../src/index.js';

/**
 * A Gemini stream chunk or error body nested past the core's bound for upstream JSON
 * (parseUpstreamJson, 512 levels) is read as unreadable. Parsed as it came, a
 * `functionCall.args` 20,000 deep overflowed the stack in the decoder's own
 * `JSON.stringify` of the arguments: a RangeError, answered as a 500.
 */
const deepObject = '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000);

const sse = (data: string): ServerSentEvent => ({ event: undefined, data, id: undefined });

function chunk(part: string): string {
  return `{"candidates":[{"content":{"role":"model","parts":[${part}]},"index":0}],"responseId":"r1","modelVersion":"gemini-2.5-flash"}`;
}

describe('Gemini: JSON nested past the upstream bound', () => {
  it('a chunk whose functionCall.args is 20,000 deep is an unreadable stream event, not a stack overflow', () => {
    const decoder = createGeminiStreamDecoder('gemini');
    expect(decoder.decode(sse(chunk('{"text":"hi"}'))).map((part) => part.type)).toEqual(['stream-start', 'text-delta']);
    let thrown: unknown;
    try {
      decoder.decode(sse(chunk(`{"functionCall":{"name":"f","args":${deepObject}}}`)));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect(thrown).toMatchObject({ code: 'upstream_invalid_response', status: 502, provider: 'gemini' });
  });

  it('reads arguments nested within the bound', () => {
    const decoder = createGeminiStreamDecoder('gemini');
    const args = '{"a":'.repeat(400) + '1' + '}'.repeat(400);
    const parts = decoder.decode(sse(chunk(`{"functionCall":{"name":"f","args":${args}}}`)));
    expect(parts.find((part) => part.type === 'tool-call-delta')).toMatchObject({ argumentsDelta: args });
  });

  it('maps an error body with deep fields by its status alone', () => {
    const error = mapGeminiError('gemini', { status: 429, headers: {}, bodyText: `{"error":{"code":429,"message":"say this","status":"RESOURCE_EXHAUSTED","details":[${deepObject}]}}` });
    expect(error).toMatchObject({ code: 'rate_limit_exceeded', upstreamStatus: 429 });
    expect(error.message).not.toContain('say this');
  });
});
