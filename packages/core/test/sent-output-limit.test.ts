import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../src/canonical/chat-request.js';
import type { Provider } from '../src/plugin/provider-types.js';
import { sentOutputLimit } from '../src/pricing/sent-output-limit.js';

const request = (maxOutputTokens?: number): ChatRequest => ({
  model: 'p/m',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  stream: false,
  ...(maxOutputTokens !== undefined && { maxOutputTokens }),
});

/** A provider whose adapter sends `limit` to a request without one, and counts how often it was asked. */
function providerSending(limit: number | undefined): Provider & { asked: number } {
  const provider = {
    id: 'p',
    plugin: 'p',
    asked: 0,
    chat: {
      complete: () => Promise.reject(new Error('not called')),
      stream: () => Promise.reject(new Error('not called')),
      defaultOutputLimit: () => {
        provider.asked++;
        return limit;
      },
    },
  };
  return provider;
}

describe('sentOutputLimit', () => {
  it("is the request's own limit whatever the adapter would send, without asking the adapter", () => {
    const provider = providerSending(24_096);
    expect(sentOutputLimit(provider, request(500))).toBe(500);
    expect(provider.asked).toBe(0);
  });

  it("is the adapter's limit for a request without one", () => {
    for (const limit of [1, 4096, 24_096, 1_000_000]) expect(sentOutputLimit(providerSending(limit), request())).toBe(limit);
  });

  it('is undefined when neither says (no provider, no declaration, an adapter answering undefined): the model decides', () => {
    expect(sentOutputLimit(undefined, request())).toBeUndefined();
    expect(sentOutputLimit({ id: 'p', plugin: 'p' }, request())).toBeUndefined();
    expect(sentOutputLimit(providerSending(undefined), request())).toBeUndefined();
  });

  it("takes an adapter's answer that is no positive finite count as none, never a hold of 0 or Infinity", () => {
    for (const limit of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(sentOutputLimit(providerSending(limit), request()), String(limit)).toBeUndefined();
  });
});
