import { startMockAnthropic, startMockOpenAI } from '@switchyard/testing';
import { expect, it } from 'vitest';
import { masterKey, startTestGateway } from './support/start-test-gateway.js';

// Credentials an LLM proxy in front of the provider takes in headers of its own (Cloudflare AI Gateway, Portkey).
const proxyToken = 'cfAIGtoken0123456789abcdefXYZ';
const portkeyKey = 'PortkeyKey0123456789abcdefgh';

it("blanks a credential given in a provider's extra headers when the upstream quotes it", async () => {
  const openai = await startMockOpenAI();
  const anthropic = await startMockAnthropic();
  const headers = { 'cf-aig-authorization': `Bearer ${proxyToken}`, 'x-portkey-api-key': portkeyKey, 'x-client-name': 'switchyard-tests' };
  const gateway = await startTestGateway({
    log: { level: 'trace' },
    providers: {
      openai: { api_key: 'sk-proj-unusedKEYvalueQWERTYUIOP', base_url: openai.url, headers },
      anthropic: { api_key: 'sk-ant-unusedKEYvalueASDFGHJKLZ', base_url: anthropic.url, headers },
    },
    models: { o: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } }, a: { deployments: [{ target: 'anthropic/claude-sonnet-4-5' }], retries: { attempts: 0 } } },
  });
  const bodies: string[] = [];
  try {
    const message = `gateway token ${proxyToken} or key ${portkeyKey} is not valid (client switchyard-tests)`;
    openai.enqueue({ status: 400, headers: { 'content-type': 'application/json' }, body: { error: { message, type: 'invalid_request_error', param: null, code: null } } });
    anthropic.enqueue({ status: 400, headers: { 'content-type': 'application/json' }, body: { type: 'error', error: { type: 'invalid_request_error', message } } });
    for (const model of ['o', 'a']) {
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const text = await response.text();
      expect(response.status).toBe(400);
      // A header that is not a credential (a client name) is not blanked.
      expect(JSON.parse(text).error.message).toMatch(/: gateway token \[REDACTED\] or key \[REDACTED\] is not valid \(client switchyard-tests\)$/);
      bodies.push(text);
    }
  } finally {
    await gateway.close();
    await openai.close();
    await anthropic.close();
  }
  for (const text of [...bodies, ...gateway.logLines]) {
    expect(text).not.toContain(proxyToken.slice(-12));
    expect(text).not.toContain(portkeyKey.slice(-12));
  }
});
