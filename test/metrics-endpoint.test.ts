import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const metricsToken = 'metrics-token-0123456789abcdef';

describe('/metrics with a token', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ metrics: { token: metricsToken } });
  });
  afterAll(() => gateway.close());

  const scrape = (authorization?: string) =>
    fetch(`${gateway.origin}/metrics`, { headers: authorization === undefined ? {} : { authorization } });

  it('refuses a scrape without the token: 401 missing_api_key, OpenAI-shaped, no metrics in it', async () => {
    const response = await scrape();
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ code: 'missing_api_key', type: 'authentication_error', param: null });
    expect(JSON.stringify(body)).not.toContain('switchyard_');
  });

  it('refuses another token, the master key and a prefix of the token with 401 invalid_api_key', async () => {
    for (const wrong of ['Bearer wrong-token-0123456789abcdef', `Bearer ${masterKey}`, `Bearer ${metricsToken.slice(0, -1)}`, `Bearer ${metricsToken}x`]) {
      const response = await scrape(wrong);
      expect(response.status).toBe(401);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_api_key');
      expect(body.error.message).not.toContain(metricsToken);
    }
  });

  it('serves the metrics to the token', async () => {
    const response = await scrape(`Bearer ${metricsToken}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^switchyard_requests_in_flight 0$/m);
  });
});

describe('/metrics switched off', () => {
  it('is a 404 not_found, and requests are still served', async () => {
    const gateway = await startTestGateway({ metrics: { enabled: false } });
    try {
      const response = await fetch(`${gateway.origin}/metrics`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
      const chat = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}` },
        body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(chat.status).toBe(200);
    } finally {
      await gateway.close();
    }
  });
});

describe('two gateways in one process', () => {
  it('keep their metrics apart', async () => {
    const first = await startTestGateway({});
    const second = await startTestGateway({});
    try {
      for (let call = 0; call < 3; call++) {
        const response = await fetch(`${first.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${masterKey}` },
          body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
        });
        expect(response.status).toBe(200);
      }
      const served = (text: string) => /^switchyard_requests_total\{endpoint="chat",provider="mock",[^}]*status_class="2xx"[^}]*\} (\d+)$/m.exec(text)?.[1];
      expect(served(await (await fetch(`${first.origin}/metrics`)).text())).toBe('3');
      expect(served(await (await fetch(`${second.origin}/metrics`)).text())).toBeUndefined();
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe('x-switchyard-cost', () => {
  let upstream: MockOpenAI;
  beforeAll(async () => {
    upstream = await startMockOpenAI();
  });
  afterAll(() => upstream.close());

  const providers = () => ({ openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } });
  const ask = (gateway: TestGateway, stream = false) =>
    fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream, messages: [{ role: 'user', content: 'what does this cost?' }] }),
    });

  it('is absent unless server.cost_header is on', async () => {
    const gateway = await startTestGateway({ providers: providers() });
    try {
      const response = await ask(gateway);
      expect(response.status).toBe(200);
      expect(response.headers.has('x-switchyard-cost')).toBe(false);
    } finally {
      await gateway.close();
    }
  });

  it('carries the cost of a whole answer, the same the ledger and /metrics count; a stream has none', async () => {
    const gateway = await startTestGateway({ providers: providers(), models: { mini: 'openai/gpt-4o-mini' }, server: { cost_header: true } });
    try {
      const response = await ask(gateway);
      expect(response.status).toBe(200);
      const header = response.headers.get('x-switchyard-cost')!;
      expect(header).toMatch(/^\d+(\.\d{1,10})?$/);
      const { usage } = (await response.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
      // gpt-4o-mini in the built-in catalog: $0.15 per million input tokens, $0.60 per million output tokens.
      expect(Number(header)).toBeCloseTo((usage.prompt_tokens * 0.15 + usage.completion_tokens * 0.6) / 1e6, 10);
      const metrics = await (await fetch(`${gateway.origin}/metrics`)).text();
      // Labelled by its name: the config names it (a bare name nobody configured or listed counts as (other)).
      expect(Number(/^switchyard_cost_usd_total\{provider="openai",model="openai\/gpt-4o-mini"\} (\S+)$/m.exec(metrics)?.[1])).toBeCloseTo(Number(header), 12);

      const streamed = await ask(gateway, true);
      expect(streamed.status).toBe(200);
      expect(streamed.headers.has('x-switchyard-cost')).toBe(false);
      expect(await streamed.text()).toContain('[DONE]');
    } finally {
      await gateway.close();
    }
  });
});
