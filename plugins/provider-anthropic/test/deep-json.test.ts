import { GatewayError, type ServerSentEvent } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { createAnthropicStreamDecoder, mapAnthropicError } from '../src/index.js';

/**
 * An Anthropic event or error body nested past the core's bound for upstream JSON
 * (parseUpstreamJson, 512 levels) is read as unreadable: the decoder throws
 * `upstream_invalid_response` as for an event that is not JSON, and the error mapper
 * lets the status decide as for an HTML page. Parsed as it came, a value 20,000 deep
 * reached the fast path's re-written events and the client's encoder, where
 * `JSON.stringify` overflows the stack (a 500 of the gateway's own).
 */
const sse = (data: string, name?: string): ServerSentEvent => ({ event: name, data, id: undefined });
const deepArray = '['.repeat(20_000) + ']'.repeat(20_000);
const deepObject = '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000);

function decodeError(decode: () => unknown): unknown {
  try {
    decode();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('Anthropic: JSON nested past the upstream bound', () => {
  const start = '{"type":"message_start","message":{"id":"msg_1","model":"claude-sonnet-4-5","usage":{"input_tokens":3,"output_tokens":1}}}';

  it.each([
    ['message_delta', `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2,"x":${deepArray}}}`],
    ['content_block_start', `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t1","name":"f","input":${deepObject}}}`],
    ['content_block_delta', `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi","x":${deepArray}}}`],
    ['error', `{"type":"error","error":{"type":"overloaded_error","message":${deepArray}}}`],
  ])('a %s event is an unreadable stream event (upstream_invalid_response)', (name, data) => {
    const decoder = createAnthropicStreamDecoder('anthropic');
    expect(decoder.decode(sse(start, 'message_start'))[0]?.type).toBe('stream-start');
    const error = decodeError(() => decoder.decode(sse(data, name)));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'upstream_invalid_response', status: 502, provider: 'anthropic' });
    expect((error as GatewayError).message).toBe('The anthropic upstream sent an unreadable stream event.');
  });

  it('reads an event exactly at the bound', () => {
    const decoder = createAnthropicStreamDecoder('anthropic');
    decoder.decode(sse(start, 'message_start'));
    // The event object, `usage`, then 510 arrays: 512 levels.
    const atBound = `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2,"x":${'['.repeat(510)}${']'.repeat(510)}}}`;
    expect(decoder.decode(sse(atBound, 'message_delta')).map((part) => part.type)).toEqual(['finish', 'usage']);
  });

  it('maps an error body with deep fields by its status alone, as an unreadable one', () => {
    const error = mapAnthropicError('anthropic', { status: 529, headers: {}, bodyText: `{"type":"error","error":{"type":"invalid_request_error","message":"say this","x":${deepArray}}}` });
    expect(error).toMatchObject({ code: 'upstream_overloaded', upstreamStatus: 529 });
    const refused = mapAnthropicError('anthropic', { status: 400, headers: {}, bodyText: `{"type":"error","error":{"type":"invalid_request_error","message":"say this","x":${deepObject}}}` });
    expect(refused).toMatchObject({ code: 'upstream_bad_request', upstreamStatus: 400 });
    expect(refused.message).not.toContain('say this');
  });
});
