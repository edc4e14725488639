import { startMockAnthropic, type MockAnthropic } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A chat client's `provider_options.anthropic.betas` become the upstream
 * `anthropic-beta` header. Flags holding CR LF, NUL or non-Latin text made Node refuse
 * the header, which was reported as the upstream's failure (502 `upstream_unreachable`,
 * retryable, counted by the circuit breaker: a few such requests opened the deployment's
 * circuit for every client); 200,000 characters or 20,000 flags went out as a header the
 * upstream refused with 431. They are held to what the Messages route allows in its own
 * `anthropic-beta` header.
 */
let upstream: MockAnthropic;
let gateway: TestGateway;
const anthropicKey = 'sk-ant-api03-BetaFlags0123456789abcdef';

beforeAll(async () => {
  upstream = await startMockAnthropic({ apiKey: anthropicKey });
  gateway = await startTestGateway({
    providers: { anthropic: { api_key: anthropicKey, base_url: upstream.url } },
    chain: ['circuit-breaker', 'route', 'adapter'],
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

async function chat(betas: unknown): Promise<{ status: number; body: { error?: { code: string; param: string | null; message: string } } }> {
  const res = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }], provider_options: { anthropic: { betas } } }),
  });
  return { status: res.status, body: (await res.json()) as never };
}

describe('beta flags in provider_options.anthropic.betas', () => {
  it.each([
    ['a line break', ['a\r\nx-injected: 1']],
    ['non-Latin text', ['é😀']],
    ['a NUL', ['a\u0000b']],
    ['a comma inside a flag', ['a,b']],
    ['an empty flag', ['']],
    ['200,000 characters', ['x'.repeat(200_000)]],
    ['20,000 flags', Array.from({ length: 20_000 }, (_, i) => `flag-${i}`)],
  ])('%s → 400 naming betas, nothing sent upstream', async (_label, betas) => {
    const { status, body } = await chat(betas);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_request', param: 'provider_options.anthropic.betas' });
    expect(upstream.requests).toHaveLength(0);
  });

  it('refused flags never open the deployment\'s circuit for other clients', async () => {
    for (let i = 0; i < 12; i++) expect((await chat(['bad\nflag'])).status).toBe(400);
    const { status } = await chat(['interleaved-thinking-2025-05-14']);
    expect(status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]!.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
  });
});
