import { afterEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const gateways: TestGateway[] = [];
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.close();
});

async function chat(origin: string, mock?: Record<string, unknown>) {
  const response = await fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }], ...(mock && { provider_options: { mock } }) }),
  });
  const body = (await response.json()) as { error?: { code: string } };
  return { status: response.status, code: body.error?.code };
}

async function breakerOf(origin: string) {
  const response = await fetch(`${origin}/health`);
  const body = (await response.json()) as { checks: { circuit_breakers: { breakers: Record<string, { state: string; failures: number }> } } };
  const breaker = body.checks.circuit_breakers.breakers['mock/echo'];
  // Listed because the config names it (GET /health only counts the breakers of names it does not know).
  expect(breaker).toBeDefined();
  return breaker;
}

/** mock/echo under models:, so that GET /health names its breaker. */
const echoKnown = { models: { echo: 'mock/echo' } };

describe("the mock provider's per-request failures (provider_options.mock)", () => {
  it.each([
    ['server_error', 'upstream_server_error'],
    ['overloaded', 'upstream_overloaded'],
    ['timeout', 'upstream_timeout'],
    ['rate_limit', 'rate_limit_exceeded'],
  ])(
    "%s asked for by one client is that request's own: it does not open mock/echo's breaker for the others",
    async (fail, code) => {
      const gateway = await startTestGateway(echoKnown);
      gateways.push(gateway);
      // Five failing requests (and the route step's retries of each) opened the breaker for 30 s.
      for (let i = 0; i < 8; i++) {
        const failed = await chat(gateway.origin, { fail, retry_after_s: 0 });
        // The client still gets the failure it asked for, as the real upstream error.
        expect(failed.code).toBe(code);
      }
      expect(await breakerOf(gateway.origin)).not.toMatchObject({ state: 'open' });
      expect(await chat(gateway.origin)).toEqual({ status: 200, code: undefined });
    },
  );

  it("a failure_rate of 1 asked for by a client does not open the breaker either", async () => {
    const gateway = await startTestGateway(echoKnown);
    gateways.push(gateway);
    for (let i = 0; i < 8; i++) expect((await chat(gateway.origin, { failure_rate: 1 })).code).toBe('upstream_server_error');
    expect(await breakerOf(gateway.origin)).not.toMatchObject({ state: 'open' });
    expect(await chat(gateway.origin)).toEqual({ status: 200, code: undefined });
  });

  it("the YAML's fail (the operator's flaky deployment) still counts and opens the breaker", async () => {
    const gateway = await startTestGateway({ ...echoKnown, providers: { mock: { fail: 'server_error' } } });
    gateways.push(gateway);
    for (let i = 0; i < 8; i++) expect((await chat(gateway.origin)).status).toBeGreaterThanOrEqual(500);
    expect(await breakerOf(gateway.origin)).toMatchObject({ state: 'open' });
  });
});
