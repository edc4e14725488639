import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { createBedrockEndpoint, formatAmzDate, signAwsRequest } from '../src/index.js';

// AWS's published SigV4 test suite (aws-sig-v4-test-suite): credentials, time, region and service.
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const suiteTime = new Date('2015-08-30T12:36:00Z');
const suite = { credentials, region: 'us-east-1', service: 'service', now: suiteTime };

describe('signAwsRequest against the AWS SigV4 test suite', () => {
  it('formats the request time as x-amz-date', () => {
    expect(formatAmzDate(suiteTime)).toBe('20150830T123600Z');
  });

  it('get-vanilla', () => {
    const headers = signAwsRequest({ ...suite, method: 'GET', url: new URL('https://example.amazonaws.com/'), headers: {}, body: '' });
    expect(headers['authorization']).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
  });

  it('get-vanilla-query-order-key-case (query sorted before signing)', () => {
    const headers = signAwsRequest({
      ...suite,
      method: 'GET',
      url: new URL('https://example.amazonaws.com/?Param2=value2&Param1=value1'),
      headers: {},
      body: '',
    });
    expect(headers['authorization']).toMatch(/Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500$/);
  });

  it('post-x-www-form-urlencoded', () => {
    const headers = signAwsRequest({
      ...suite,
      method: 'POST',
      url: new URL('https://example.amazonaws.com/'),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Param1=value1',
    });
    expect(headers['authorization']).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, ' +
        'Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
    );
  });
});

/** What @smithy/signature-v4 (the AWS SDK's own signer) puts in `authorization` for the same request. */
async function smithyAuthorization(input: {
  url: URL;
  headers: Record<string, string>;
  body: string;
  region: string;
  service: string;
  now: Date;
  sessionToken?: string;
  applyChecksum: boolean;
}): Promise<string> {
  const signer = new SignatureV4({
    credentials: { ...credentials, ...(input.sessionToken && { sessionToken: input.sessionToken }) },
    region: input.region,
    service: input.service,
    sha256: Sha256,
    applyChecksum: input.applyChecksum,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: input.url.protocol,
      hostname: input.url.hostname,
      ...(input.url.port && { port: Number(input.url.port) }),
      path: input.url.pathname,
      query: {},
      headers: { ...input.headers, host: input.url.host },
      body: input.body,
    },
    { signingDate: input.now },
  );
  return String(signed.headers['authorization']);
}

describe('signAwsRequest cross-checked with @smithy/signature-v4', () => {
  const body = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'Héllo, wörld ✓' }] }] });

  it.each([
    ['an inference-profile id with ":" (double-encoded path)', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', undefined],
    ['an ARN with "/" and a session token', 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0', 'FwoGZXIvYXdzEXAMPLE//TOKEN='],
  ])('signs a Converse request for %s exactly as the AWS SDK does', async (_label, modelId, sessionToken) => {
    const now = new Date('2025-11-27T22:42:05Z');
    const endpoint = createBedrockEndpoint(
      {
        region: 'eu-west-3',
        access_key_id: credentials.accessKeyId,
        secret_access_key: credentials.secretAccessKey,
        ...(sessionToken && { session_token: sessionToken }),
        headers: { 'x-extra': 'not signed' },
        timeouts: {},
        models: [],
        models_ttl_ms: 0,
      },
      () => now,
    );
    const request = endpoint.post(modelId, 'converse-stream', body);
    expect(request.origin).toBe('https://bedrock-runtime.eu-west-3.amazonaws.com');
    expect(request.path).toBe(`/model/${encodeURIComponent(modelId)}/converse-stream`);
    const expected = await smithyAuthorization({
      url: new URL(request.path, request.origin),
      headers: { 'content-type': 'application/json' },
      body,
      region: 'eu-west-3',
      service: 'bedrock',
      now,
      ...(sessionToken && { sessionToken }),
      applyChecksum: true,
    });
    expect(request.headers['authorization']).toBe(expected);
    expect(request.headers['authorization']).toContain('/eu-west-3/bedrock/aws4_request');
    if (sessionToken) expect(request.headers['x-amz-security-token']).toBe(sessionToken);
  });

  it('agrees with smithy on the test-suite request too', async () => {
    const url = new URL('https://example.amazonaws.com/');
    const ours = signAwsRequest({ ...suite, method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Param1=value1' });
    const theirs = await smithyAuthorization({
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Param1=value1',
      region: 'us-east-1',
      service: 'service',
      now: suiteTime,
      applyChecksum: false,
    });
    expect(ours['authorization']).toBe(theirs);
  });

  it('sends a Bedrock API key as a bearer token instead of signing', () => {
    const endpoint = createBedrockEndpoint({ region: 'us-west-2', api_key: 'ABSKexample', headers: {}, timeouts: {}, models: [], models_ttl_ms: 0 });
    const request = endpoint.post('amazon.nova-lite-v1:0', 'converse', '{}');
    expect(request.headers['authorization']).toBe('Bearer ABSKexample');
    expect(request.headers['x-amz-date']).toBeUndefined();
  });
});
