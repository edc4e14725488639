import { startMockAzure, startMockMistral, type MockAzure, type MockMistral } from '@switchyard/testing';
import type { RequestRecord } from '@switchyard/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A rate limit or an overload a provider reports inside a 200 stream reaches the client's
 * error event and the request's record as what the provider said, not as a generic
 * upstream failure; before the first chunk it is a failed attempt the router moves on from.
 */
describe('rate limits and overloads inside a 200 stream (Mistral, Azure)', () => {
  let mistral: MockMistral;
  let azure: MockAzure;
  let gateway: TestGateway;
  const records: RequestRecord[] = [];

  beforeAll(async () => {
    [mistral, azure] = await Promise.all([startMockMistral(), startMockAzure()]);
    const once = (target: string) => ({ deployments: [{ target }], retries: { attempts: 0 } });
    gateway = await startTestGateway({
      providers: {
        mistral: { api_key: 'mk-test-in-stream-0123', base_url: mistral.url },
        azure: { api_key: 'az-test-in-stream-0123', endpoint: azure.url },
      },
      models: {
        mistral: once('mistral/mistral-large-latest'),
        azure: once('azure/gpt-4o-mini'),
        'mistral-then-azure': { deployments: [{ target: 'mistral/mistral-large-latest' }], retries: { attempts: 0 }, fallbacks: ['azure'] },
      },
    });
    gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all([mistral?.close(), azure?.close()]);
  });
  beforeEach(() => {
    mistral.reset();
    azure.reset();
    records.length = 0;
  });

  const ask = async (model: string) => {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'one two three four' }] }),
    });
    return { status: response.status, text: await response.text() };
  };
  const errorCodeOf = (text: string) => {
    const line = text.split('\n').find((candidate) => candidate.startsWith('data: {"error"'));
    return line === undefined ? undefined : (JSON.parse(line.slice('data: '.length)) as { error: { code: string } }).error.code;
  };
  const wire = (error: unknown) => `data: ${JSON.stringify(error)}\n\n`;

  it.each([
    ['mistral', { object: 'error', message: 'Rate limit exceeded', type: 'rate_limited', param: null, code: '1300', raw_status_code: 429 }, 'rate_limit_exceeded'],
    ['mistral', { object: 'error', message: 'Service tier capacity exceeded for this model.', type: 'service_tier_capacity_exceeded', param: null, code: '3505' }, 'upstream_overloaded'],
    ['azure', { error: { code: '429', message: 'Requests have exceeded token rate limit. Please retry after 6 seconds.' } }, 'rate_limit_exceeded'],
    ['azure', { error: { code: 'ServiceUnavailable', message: 'The service is temporarily unable to process your request.' } }, 'upstream_overloaded'],
  ] as const)('%s: %j mid-stream is said as %s to the client and in the record', async (provider, error, code) => {
    (provider === 'mistral' ? mistral : azure).enqueue({ stream: { midStreamError: true, errorAfterEvents: 3, errorWire: wire(error) } });
    const answer = await ask(provider);
    expect(answer.status).toBe(200);
    expect(errorCodeOf(answer.text)).toBe(code);
    await expect.poll(() => records.length).toBe(1);
    expect(records[0]).toMatchObject({ errorCode: code });
  });

  it('moves on to the fallback when the rate limit is the first event, before anything reached the client', async () => {
    mistral.enqueue({ stream: { midStreamError: true, errorAfterEvents: 0, errorWire: wire({ object: 'error', message: 'Rate limit exceeded', type: 'rate_limited', code: '1300', raw_status_code: 429 }) } });
    const answer = await ask('mistral-then-azure');
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('data: [DONE]');
    expect(errorCodeOf(answer.text)).toBeUndefined();
    expect(mistral.requests).toHaveLength(1);
    expect(azure.requests).toHaveLength(1);
  });
});
