import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockAnthropic, type MockAnthropic } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCaller } from './support/admin-call.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Anthropic refuses a request whose `max_tokens` is not above `thinking.budget_tokens`
 * (the budget counts against it). The gateway says so itself, as a 400 naming the field,
 * instead of sending a request Anthropic must refuse (translated requests: the Messages
 * fast path sends the client's own body as it is). Under the interleaved-thinking beta the
 * budget may exceed max_tokens, and the request is sent.
 */
const anthropicKey = 'sk-ant-upstream-test-key-0123456789abcdef';

describe('max_tokens not above thinking.budget_tokens', () => {
  let upstream: MockAnthropic;
  let gateway: TestGateway;
  beforeAll(async () => {
    upstream = await startMockAnthropic({ apiKey: anthropicKey });
    gateway = await startTestGateway({ providers: { anthropic: { api_key: anthropicKey, base_url: upstream.url } }, server: { fast_path: false } });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('is a 400 on /v1/messages, nothing sent upstream', async () => {
    const response = await fetch(`${gateway.baseURL}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': masterKey, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'anthropic/claude-sonnet-4-5',
        max_tokens: 1024,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    const body = (await response.json()) as { error: { message: string } };
    expect(response.status).toBe(400);
    expect(body.error.message).toMatch(/max_tokens.*budget_tokens/);
    expect(upstream.requests).toHaveLength(0);
  });

  it('is a 400 invalid_request on /v1/chat/completions naming max_tokens, nothing sent upstream', async () => {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({
        model: 'anthropic/claude-sonnet-4-5',
        max_tokens: 500,
        provider_options: { anthropic: { thinking: { type: 'enabled', budget_tokens: 2000 } } },
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    const body = (await response.json()) as { error: { type: string; code: string; param: string; message: string } };
    expect(response.status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_request', param: 'max_tokens' });
    expect(body.error.message).toMatch(/max_tokens.*budget_tokens/);
    expect(upstream.requests).toHaveLength(0);
  });

  it('is sent under the interleaved-thinking beta (provider_options.anthropic.betas), where the budget may exceed max_tokens', async () => {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({
        model: 'anthropic/claude-sonnet-4-5',
        max_tokens: 256,
        provider_options: { anthropic: { betas: ['interleaved-thinking-2025-05-14'], thinking: { type: 'enabled', budget_tokens: 1024 } } },
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(upstream.requests).toHaveLength(1);
    expect(String(upstream.requests[0]!.headers['anthropic-beta'])).toContain('interleaved-thinking-2025-05-14');
  });
});

/**
 * A key whose scope has `max_tokens` fills that limit into a request that sets none. When
 * the request's thinking budget does not fit under it, the client never sent a max_tokens:
 * the refusal names the key's limit and the budget, and points at what the client can change.
 */
describe("a key's max_tokens not above the thinking budget of a request without max_tokens", () => {
  let upstream: MockAnthropic;
  let gateway: TestGateway;
  beforeAll(async () => {
    upstream = await startMockAnthropic({ apiKey: anthropicKey });
    gateway = await startTestGateway({
      server: { fast_path: false, data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-key-thinking-')) },
      storage: { use: 'sqlite' },
      providers: { anthropic: { api_key: anthropicKey, base_url: upstream.url } },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  async function keyWithMaxTokens(maxTokens: number): Promise<string> {
    const created = await adminCaller(() => gateway.origin, masterKey)('POST', '/keys', { name: `max-${maxTokens}`, scope: { max_tokens: maxTokens } });
    expect(created.status).toBe(201);
    return created.body['secret'] as string;
  }

  function chat(secret: string, budgetTokens: number) {
    return fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({
        model: 'anthropic/claude-sonnet-4-5',
        provider_options: { anthropic: { thinking: { type: 'enabled', budget_tokens: budgetTokens } } },
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
  }

  it('is a 400 invalid_request naming the key limit and the budget, param budget_tokens, nothing sent upstream', async () => {
    const secret = await keyWithMaxTokens(1500);
    for (const budget of [1500, 2000]) {
      const response = await chat(secret, budget);
      const body = (await response.json()) as { error: { code: string; param: string; message: string } };
      expect(response.status).toBe(400);
      expect(body.error).toMatchObject({ code: 'invalid_request', param: 'provider_options.anthropic.thinking.budget_tokens' });
      expect(body.error.message).toContain('API key');
      expect(body.error.message).toContain('1500');
      expect(body.error.message).toContain(String(budget));
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it("is sent with the key's limit as max_tokens when the budget fits under it", async () => {
    const secret = await keyWithMaxTokens(3000);
    const response = await chat(secret, 2000);
    expect(response.status, await response.text()).toBe(200);
    expect(upstream.requests).toHaveLength(1);
    expect((upstream.requests[0]!.body as Record<string, unknown>)['max_tokens']).toBe(3000);
  });
});
