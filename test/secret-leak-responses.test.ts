import { startMockOpenAI } from '@switchyard/testing';
import { expect, it } from 'vitest';
import { masterKey, startTestGateway } from './support/start-test-gateway.js';

const providerKey = 'sk-proj-RESPONSESs3cr3tKEY0123456789abc';

it('a whole Response with status "failed" quoting the provider key reaches the client as the gateway\'s redacted error, not as it came', async () => {
  const openai = await startMockOpenAI();
  const gateway = await startTestGateway({
    log: { level: 'trace' },
    providers: { openai: { api_key: providerKey, base_url: openai.url } },
    models: { once: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } } },
  });
  try {
    const failed = { id: 'resp_1', object: 'response', created_at: 1, model: 'gpt-4o-mini', status: 'failed', error: { code: 'server_error', message: `Upstream auth with ${providerKey} failed` }, output: [], usage: null };
    openai.enqueue({ status: 200, headers: { 'content-type': 'application/json' }, body: failed });
    const response = await fetch(`${gateway.baseURL}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'once', input: 'hi' }),
    });
    const text = await response.text();
    expect(openai.requests.at(-1)?.path).toBe('/v1/responses');
    // As a stream's `response.failed` ends: an upstream failure in the gateway's words, the key blanked.
    expect(response.status).toBe(502);
    expect(JSON.parse(text).error).toMatchObject({ code: 'upstream_server_error', message: 'openai: Upstream auth with [REDACTED] failed' });
    for (const seen of [text, ...gateway.logLines]) expect(seen).not.toContain(providerKey.slice(-14));
  } finally {
    await gateway.close();
    await openai.close();
  }
});
