import { GatewayError, type ErrorCode } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { countsAsBreakerFailure, saysNothingOfUpstream } from '../src/index.js';

const fromUpstream = (code: ErrorCode, upstreamStatus?: number) => new GatewayError(code, code, { provider: 'openai', upstreamStatus });

describe('countsAsBreakerFailure', () => {
  it.each<[ErrorCode, number | undefined]>([
    ['upstream_server_error', 500],
    ['upstream_overloaded', 503],
    ['upstream_timeout', undefined],
    ['upstream_unreachable', undefined],
    ['upstream_invalid_response', undefined],
    ['rate_limit_exceeded', 429],
  ])('counts %s: the deployment is in trouble', (code, status) => {
    expect(countsAsBreakerFailure(fromUpstream(code, status))).toBe(true);
  });

  it.each<ErrorCode>([
    'upstream_bad_request',
    'context_length_exceeded',
    'content_filter',
    'invalid_request',
    'upstream_authentication_failed',
    'upstream_permission_denied',
    'upstream_not_found',
    'upstream_quota_exceeded',
    'client_closed_request',
    'insufficient_quota',
    'model_not_found',
    'internal_error',
  ])('does not count %s: it says nothing about the next request', (code) => {
    expect(countsAsBreakerFailure(fromUpstream(code, 400))).toBe(false);
  });

  it('counts a 429 only when an upstream sent it, not a gateway-side limit', () => {
    expect(countsAsBreakerFailure(new GatewayError('rate_limit_exceeded', 'too many requests for this key'))).toBe(false);
    expect(countsAsBreakerFailure(new GatewayError('rate_limit_exceeded', 'slow down', { upstreamStatus: 429 }))).toBe(true);
  });

  it('does not count what is not a GatewayError', () => {
    expect(countsAsBreakerFailure(new Error('boom'))).toBe(false);
    expect(countsAsBreakerFailure(undefined)).toBe(false);
  });
});

describe('saysNothingOfUpstream', () => {
  it.each<ErrorCode>(['upstream_bad_request', 'upstream_server_error', 'upstream_timeout', 'context_length_exceeded', 'content_filter', 'upstream_quota_exceeded'])(
    'is false for %s: the upstream answered, or failed to',
    (code) => expect(saysNothingOfUpstream(fromUpstream(code, 400))).toBe(false),
  );

  it.each<ErrorCode>(['client_closed_request', 'store_unavailable', 'insufficient_quota', 'model_unpriced', 'shutting_down', 'internal_error', 'invalid_request'])(
    "is true for %s: the gateway's own doing, or the client's leaving",
    (code) => expect(saysNothingOfUpstream(new GatewayError(code, code, { provider: 'openai' }))).toBe(true),
  );

  it("tells an upstream's 429 from a gateway-side limit, and takes what is not a GatewayError for the gateway's own", () => {
    expect(saysNothingOfUpstream(new GatewayError('rate_limit_exceeded', 'slow down', { upstreamStatus: 429 }))).toBe(false);
    expect(saysNothingOfUpstream(new GatewayError('rate_limit_exceeded', 'too many requests for this key'))).toBe(true);
    expect(saysNothingOfUpstream(new Error('boom'))).toBe(true);
  });
});
