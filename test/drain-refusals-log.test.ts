import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * While a gateway drains (closing with a request in flight), a new request gets a
 * retryable 503 `shutting_down`: an expected answer, on its info line, never an
 * error-level line per refused request (an alert on error lines would fire on every
 * deploy). docs/errors.md.
 */
describe('requests refused while the gateway drains', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ providers: { mock: { latency_ms: 600_000 } } });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const ask = () =>
    fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
    });

  it('are answered 503 shutting_down and logged on their info line only, not at error level', async () => {
    // Held by the mock for ten minutes: the drain lasts until its deadline, whatever the machine's
    // speed. Its connection ends when the server closes (afterAll).
    void ask().catch(() => undefined);
    await expect.poll(() => gateway.gateway.activeRequests).toBe(1);
    const from = gateway.logLines.length;
    const closing = gateway.gateway.close({ drainTimeoutMs: 2000 });
    const refused = await Promise.all([ask(), ask(), ask()]);
    for (const response of refused) {
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('shutting_down');
    }
    await closing;
    const lines = gateway.logLines.slice(from).map((line) => JSON.parse(line) as { level: number; msg: string; errorCode?: string; attempts?: number });
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    // The three refused before any attempt; the held request, cut at the drain deadline, is shutting_down too (one attempt).
    expect(lines.filter((line) => line.msg === 'request finished' && line.errorCode === 'shutting_down' && line.attempts === 0)).toHaveLength(3);
  });
});
