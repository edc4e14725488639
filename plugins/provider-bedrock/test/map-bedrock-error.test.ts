import { GatewayError, type ServerSentEvent } from '@switchyard/core';
import { readFixtureJson } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { createConverseStreamDecoder, createEventStreamFramer, mapBedrockError } from '../src/index.js';

interface ErrorCase {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}
const fixture = readFixtureJson<Record<string, ErrorCase & { payload?: unknown }>>('bedrock', 'errors.json');
// As the transport hands them over: header names lower-cased.
const lowerCased = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
const map = (name: string, extraHeaders: Record<string, string> = {}) => {
  const errorCase = fixture[name]!;
  return mapBedrockError('bedrock', {
    status: errorCase.status,
    headers: { ...lowerCased(errorCase.headers), ...extraHeaders },
    bodyText: JSON.stringify(errorCase.body),
  });
};

describe('mapBedrockError: every case of errors.json', () => {
  it.each([
    ['invalid_key', 'upstream_authentication_failed', 401, false],
    ['signature_mismatch', 'upstream_authentication_failed', 401, false],
    ['expired_token', 'upstream_authentication_failed', 401, false],
    ['bedrock_api_key_invalid', 'upstream_authentication_failed', 401, false],
    ['permission_denied', 'upstream_permission_denied', 403, false],
    ['rate_limit', 'rate_limit_exceeded', 429, true],
    ['model_not_ready', 'upstream_overloaded', 503, true],
    ['server_error', 'upstream_server_error', 502, true],
    ['overloaded', 'upstream_overloaded', 503, true],
    ['model_timeout', 'upstream_timeout', 504, true],
    ['model_error', 'upstream_server_error', 502, true],
    ['bad_request', 'upstream_bad_request', 400, false],
    ['on_demand_not_supported', 'upstream_bad_request', 400, false],
    ['invalid_model', 'upstream_bad_request', 400, false],
    ['context_length_exceeded', 'context_length_exceeded', 400, false],
  ] as const)('%s → %s (%i, retryable %s)', (name, code, status, retryable) => {
    const error = map(name);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code, status, retryable, provider: 'bedrock', upstreamStatus: fixture[name]!.status });
  });

  it('covers every case in the fixture', () => {
    const cases = Object.keys(fixture).filter((name) => !name.startsWith('_') && name !== 'stream_exception_frame');
    expect(cases.every((name) => map(name) instanceof GatewayError)).toBe(true);
    expect(cases).toHaveLength(15);
  });

  it('never echoes an upstream credential message, but passes validation messages on', () => {
    expect(map('invalid_key').message).not.toContain('security token');
    expect(map('bedrock_api_key_invalid').message).not.toContain('API Key');
    expect(map('bad_request').message).toContain("Value '2.5' at 'inferenceConfig.temperature'");
  });

  it("never echoes an access denial, which names the gateway's AWS account, role and policies", () => {
    const denied = mapBedrockError('bedrock', {
      status: 403,
      headers: { 'x-amzn-errortype': 'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.bedrock/' },
      bodyText: JSON.stringify({
        Message:
          'User: arn:aws:sts::123456789012:assumed-role/gateway-role/session-1 is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0 because no identity-based policy allows the bedrock:InvokeModel action',
      }),
    });
    expect(denied).toMatchObject({ code: 'upstream_permission_denied', status: 403 });
    expect(denied.message).not.toMatch(/123456789012|arn:|gateway-role/);
    expect(map('permission_denied').message).not.toContain("You don't have access");
  });

  it('reads "too many input tokens" and Anthropic-style wording as context length, and keeps a retry-after', () => {
    const tooMany = mapBedrockError('bedrock', {
      status: 400,
      headers: { 'x-amzn-errortype': 'ValidationException' },
      bodyText: JSON.stringify({ message: 'prompt is too long: 210000 tokens > 200000 maximum' }),
    });
    expect(tooMany.code).toBe('context_length_exceeded');
    expect(map('rate_limit', { 'retry-after': '3' }).retryAfterSeconds).toBe(3);
  });

  it('holds a retry-after past a day to a day (1e21 was written to the client as Retry-After: 1e+21)', () => {
    expect(map('rate_limit', { 'retry-after': '1e21' }).retryAfterSeconds).toBe(86_400);
  });

  it('falls back to the status for a body that is not JSON and has no error type', () => {
    expect(mapBedrockError('bedrock', { status: 502, headers: {}, bodyText: '<html>bad gateway</html>' }).code).toBe('upstream_server_error');
  });
});

describe('exception frames inside a ConverseStream', () => {
  const decoder = () => createConverseStreamDecoder('bedrock', { status: 200, headers: {} });
  const exception = (type: string, payload: unknown): ServerSentEvent => ({ event: type, data: JSON.stringify(payload), id: undefined });

  it.each([
    ['throttlingException', 'rate_limit_exceeded', true],
    ['internalServerException', 'upstream_server_error', true],
    ['serviceUnavailableException', 'upstream_overloaded', true],
    ['modelStreamErrorException', 'upstream_server_error', true],
    ['validationException', 'upstream_bad_request', false],
  ] as const)('%s → %s', (type, code, retryable) => {
    expect(() => decoder().decode(exception(type, { message: 'boom' }))).toThrow(expect.objectContaining({ code, retryable }));
  });

  it('the fixture exception frame, framed from real bytes, fails the stream as a rate limit', async () => {
    const { EventStreamCodec } = await import('@smithy/eventstream-codec');
    const { fromUtf8, toUtf8 } = await import('@smithy/util-utf8');
    const frame = fixture['stream_exception_frame']!;
    const headers = Object.fromEntries(Object.entries(frame.headers).map(([name, value]) => [name, { type: 'string' as const, value }]));
    const bytes = new EventStreamCodec(toUtf8, fromUtf8).encode({ headers, body: fromUtf8(JSON.stringify(frame.payload)) });
    // The published 176-byte example in stream.md.
    expect(bytes.length).toBe(176);
    const events = createEventStreamFramer().feed(bytes);
    expect(events).toEqual([{ event: 'throttlingException', data: JSON.stringify(frame.payload), id: undefined }]);
    expect(() => decoder().decode(events[0]!)).toThrow(expect.objectContaining({ code: 'rate_limit_exceeded', status: 429 }));
  });
});
