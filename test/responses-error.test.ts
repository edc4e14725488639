import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { GatewayError, errorCatalogue, toResponsesError, toResponsesErrorCode, type ErrorCode, type ResponsesErrorCode } from '@switchyard/core';

/**
 * Every member of the openai SDK's `ResponseError.code`, a closed union: the type check
 * fails if one is missing here or if the SDK's union drops one listed.
 */
const sdkCodes: Record<OpenAI.Responses.ResponseError['code'], true> = {
  server_error: true,
  rate_limit_exceeded: true,
  invalid_prompt: true,
  data_residency_mismatch: true,
  bio_policy: true,
  vector_store_timeout: true,
  invalid_image: true,
  invalid_image_format: true,
  invalid_base64_image: true,
  invalid_image_url: true,
  image_too_large: true,
  image_too_small: true,
  image_parse_error: true,
  image_content_policy_violation: true,
  invalid_image_mode: true,
  image_file_too_large: true,
  unsupported_image_media_type: true,
  empty_image_file: true,
  failed_to_download_image: true,
  image_file_not_found: true,
};

// The gateway's own union is assignable to the SDK's: a member the SDK does not know fails the type check.
const assignable: OpenAI.Responses.ResponseError['code'] = 'server_error' as ResponsesErrorCode;

describe("a failed Response's error", () => {
  it.each(Object.keys(errorCatalogue) as ErrorCode[])('%s is told as a member of the SDK’s ResponseError.code', (code) => {
    const error = toResponsesError(new GatewayError(code, 'It broke.'));
    expect(Object.keys(sdkCodes)).toContain(error.code);
    expect(Object.keys(sdkCodes)).toContain(assignable);
    // The gateway's precise code stays readable in the message (unless it is the SDK's own word).
    expect(error.message).toBe(error.code === code ? 'It broke.' : `It broke. (gateway code: ${code})`);
  });

  it('picks the closest member by status: a rate limit, a request to change, the server’s', () => {
    expect(toResponsesErrorCode(429)).toBe('rate_limit_exceeded');
    expect(toResponsesError(new GatewayError('upstream_timeout', 'Too slow.'))).toEqual({ code: 'server_error', message: 'Too slow. (gateway code: upstream_timeout)' });
    expect(toResponsesError(new GatewayError('context_length_exceeded', 'Too long.')).code).toBe('invalid_prompt');
    expect(toResponsesError(new GatewayError('upstream_request_too_large', 'Too big.')).code).toBe('invalid_prompt');
    expect(toResponsesError(new GatewayError('upstream_authentication_failed', 'Bad key.')).code).toBe('server_error');
    expect(toResponsesError(new GatewayError('upstream_quota_exceeded', 'Spent.')).code).toBe('rate_limit_exceeded');
  });

  it('blanks key-shaped strings in the message, as every error body does', () => {
    const secret = `sk-proj-${'a'.repeat(40)}`;
    expect(toResponsesError(new GatewayError('upstream_invalid_response', `broke with ${secret}`)).message).not.toContain('a'.repeat(40));
  });
});
