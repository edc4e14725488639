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

it('a response id spelling a key (the provider key, the master key after `resp_`) is not echoed in the 404 or the 400 previous_response_not_found', async () => {
  const gateway = await startTestGateway({ providers: { mock: {}, openai: { api_key: providerKey, base_url: 'http://127.0.0.1:9' } } });
  const send = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${gateway.origin}${route}`, {
      method,
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: response.status, text: await response.text() };
  };
  try {
    for (const [secret, tail] of [
      [providerKey, providerKey.slice(-14)],
      [masterKey, masterKey.slice(-14)],
    ] as const) {
      const id = `resp_${secret}`;
      const answers = [
        [404, await send('GET', `/v1/responses/${id}`)],
        [404, await send('DELETE', `/v1/responses/${id}`)],
        [404, await send('GET', `/v1/responses/${id}/input_items`)],
        [400, await send('POST', '/v1/responses', { model: 'mock/echo', input: 'hi', previous_response_id: id })],
        [400, await send('POST', '/v1/responses/input_tokens', { input: 'hi', previous_response_id: id })],
      ] as const;
      for (const [status, answer] of answers) {
        expect(answer.status).toBe(status);
        expect(JSON.parse(answer.text).error.param).toMatch(/response_id$/);
        expect(answer.text).not.toContain(tail);
      }
    }
    // A key after `_` in a path no route takes: the 404 names the path with the key blanked.
    const unknown = await send('POST', `/v1/responses/x_${providerKey}`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).not.toContain(providerKey.slice(-14));
    // An id of the gateway's own shape is still named, so a client can tell which one was missing.
    const missing = `resp_${'0a'.repeat(24)}`;
    expect(JSON.parse((await send('GET', `/v1/responses/${missing}`)).text).error.message).toBe(`No response found with id '${missing}'.`);
    for (const line of gateway.logLines) expect(line).not.toContain(providerKey.slice(-14));
  } finally {
    await gateway.close();
  }
});
