import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackUpstream, type LoopbackUpstream } from './support/loopback-upstream.js';
import { onceConfigUnderPrefixes } from './support/providers-under-prefixes.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An upstream's 429 whose Retry-After is neither a number of seconds nor an HTTP date
 * (`retry 2099`, `wait until 12/31/9999`) is no wait: V8's Date.parse reads any text
 * holding a year as a date, and the client was told to come back in a day. A real
 * HTTP date still counts.
 */

let retryAfter = '';
let upstream: LoopbackUpstream;
let gateway: TestGateway;
beforeAll(async () => {
  upstream = await startLoopbackUpstream((_req, _body, res) => {
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': retryAfter });
    res.end('{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}');
  });
  gateway = await startTestGateway(onceConfigUnderPrefixes(upstream.origin, { openai: 'openai/gpt-4o-mini' }));
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

async function retryAfterSent(value: string): Promise<string | null> {
  retryAfter = value;
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai-once', messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(response.status).toBe(429);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
  return response.headers.get('retry-after');
}

describe("an upstream 429's Retry-After that is not an HTTP date", () => {
  it.each(['retry 2099', 'wait until 12/31/9999', 'limit 2030'])('%j is passed on as no wait', async (value) => {
    expect(await retryAfterSent(value)).toBeNull();
  });

  it('an HTTP date a minute ahead is still passed on as about 60 seconds', async () => {
    const seconds = Number(await retryAfterSent(new Date(Date.now() + 60_000).toUTCString()));
    expect(seconds).toBeGreaterThan(50);
    expect(seconds).toBeLessThanOrEqual(60);
  });
});
