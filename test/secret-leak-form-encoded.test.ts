import { startMockOpenAI } from '@switchyard/testing';
import { expect, it } from 'vitest';
import { masterKey, startTestGateway } from './support/start-test-gateway.js';

// A self-hosted upstream's pass phrase, given in a provider's extra headers: a credential with spaces.
const passphrase = 'correct horse battery staple 42';

it('blanks a header credential with spaces that the upstream quotes form-encoded (each space as +) in error bodies, stream error events and logs', async () => {
  const upstream = await startMockOpenAI();
  const gateway = await startTestGateway({
    log: { level: 'trace' },
    providers: { vllm: { use: 'openai', base_url: upstream.url, headers: { 'X-Passphrase': passphrase } } },
    models: { v: { deployments: [{ target: 'vllm/llama' }], retries: { attempts: 0 } } },
  });
  const spelled = new URLSearchParams({ passphrase }).toString();
  expect(spelled).toBe('passphrase=correct+horse+battery+staple+42');
  const texts: string[] = [];
  try {
    const message = `form ${spelled}&client=switchyard refused`;
    upstream.enqueue({ status: 400, headers: { 'content-type': 'application/json' }, body: { error: { message, type: 'invalid_request_error', param: null, code: null } } });
    upstream.enqueue({ stream: { midStreamError: true, errorAfterEvents: 2, errorWire: `data: ${JSON.stringify({ error: { message, type: 'server_error', param: null, code: null } })}\n\n` } });
    for (const stream of [false, true]) {
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'v', stream, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const text = await response.text();
      const error = stream ? text.split('\n').find((line) => line.startsWith('data: {"error"')) : text;
      expect(error).toContain('passphrase=[REDACTED]&client=switchyard refused');
      texts.push(text);
    }
  } finally {
    await gateway.close();
    await upstream.close();
  }
  for (const text of [...texts, ...gateway.logLines]) {
    for (const part of ['correct+horse', 'battery+staple', 'staple+42']) expect(text).not.toContain(part);
  }
});
