import { startMockAnthropic, startMockOpenAI } from '@switchyard/testing';
import { expect, it } from 'vitest';
import { unescapeAll } from './support/secret-variants.js';
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

// A self-hosted server (vLLM behind a reverse proxy) takes its own credential in a header whose
// name says nothing of "key" or "token", or a `Bearer` value under any name.
const upstreamCredential = 'vllmUpstreamCred0123456789xyz';
const forwardedToken = 'fwdTokenValue0123456789abcdef';

it('blanks the credential of a self-hosted upstream given under a header named otherwise (…-credential, a Bearer value) in error bodies, stream error events and logs, in every spelling', async () => {
  const vllm = await startMockOpenAI();
  const gateway = await startTestGateway({
    log: { level: 'trace' },
    providers: { vllm: { use: 'openai', base_url: vllm.url, headers: { 'X-Upstream-Credential': upstreamCredential, 'X-Forward-To': `Bearer ${forwardedToken}` } } },
    models: { v: { deployments: [{ target: 'vllm/llama' }], retries: { attempts: 0 } } },
  });
  const spellings: Array<[string, (secret: string) => string]> = [
    ['plain', (secret) => secret],
    ['\\u-escaped', (secret) => secret.replace(/[0-9]/g, (digit) => `\\u003${digit}`)],
    ['percent-encoded', (secret) => secret.replace(/[a-z]/g, (letter) => `%${letter.charCodeAt(0).toString(16)}`)],
  ];
  const texts: string[] = [];
  try {
    for (const [, spell] of spellings) {
      // Raw JSON text, so an escape reaches the gateway as the upstream wrote it.
      const message = `headers {"x-upstream-credential":"${spell(upstreamCredential)}","x-forward-to":"${spell(forwardedToken)}"} refused`;
      vllm.enqueue({ status: 400, headers: { 'content-type': 'application/json' }, body: `{"error":{"message":"${message.replace(/"/g, '\\"')}","type":"invalid_request_error","param":null,"code":null}}` });
      vllm.enqueue({ stream: { midStreamError: true, errorAfterEvents: 2, errorWire: `data: {"error":{"message":"${message.replace(/"/g, '\\"')}","type":"server_error","param":null,"code":null}}\n\n` } });
      for (const stream of [false, true]) {
        const response = await fetch(`${gateway.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'v', stream, messages: [{ role: 'user', content: 'hi' }] }),
        });
        const text = await response.text();
        expect(response.status).toBe(stream ? 200 : 400);
        // The upstream's words reached the client, the credentials blanked in them.
        expect(text).toMatch(/x-upstream-credential.*\[REDACTED\].*x-forward-to.*\[REDACTED\]/);
        texts.push(text);
      }
    }
  } finally {
    await gateway.close();
    await vllm.close();
  }
  for (const text of [...texts, ...gateway.logLines]) {
    const read = decodeURIComponent(unescapeAll(text).replace(/%(?![0-9a-fA-F]{2})/g, '%25'));
    for (const secret of [upstreamCredential, forwardedToken]) {
      expect(read).not.toContain(secret.slice(0, 12));
      expect(read).not.toContain(secret.slice(-12));
    }
  }
});

it('blanks the password of a Basic credential in extra headers (a self-hosted upstream behind a proxy) where an error quotes it decoded, plain or \\u-escaped', async () => {
  const password = 'basicPassw0rd-0123456789xyz';
  const vllm = await startMockOpenAI();
  const gateway = await startTestGateway({
    log: { level: 'trace' },
    providers: { vllm: { use: 'openai', base_url: vllm.url, headers: { Authorization: `Basic ${Buffer.from(`gateway:${password}`).toString('base64')}` } } },
    models: { v: { deployments: [{ target: 'vllm/llama' }], retries: { attempts: 0 } } },
  });
  const texts: string[] = [];
  try {
    for (const spelled of [password, password.replace(/[0-9]/g, (digit) => `\\u003${digit}`)]) {
      vllm.enqueue({ status: 400, headers: { 'content-type': 'application/json' }, body: `{"error":{"message":"user gateway with password ${spelled} is not allowed this model","type":"invalid_request_error","param":null,"code":null}}` });
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'v', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const text = await response.text();
      expect(response.status).toBe(400);
      expect(JSON.parse(text).error.message).toMatch(/password \[REDACTED\] is not allowed/);
      texts.push(text);
    }
  } finally {
    await gateway.close();
    await vllm.close();
  }
  for (const text of [...texts, ...gateway.logLines]) {
    expect(unescapeAll(text)).not.toContain(password.slice(0, 12));
    expect(unescapeAll(text)).not.toContain(password.slice(-12));
  }
});
