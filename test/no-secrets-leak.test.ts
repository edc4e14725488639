import { startMockOpenAI } from '@switchyard/testing';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { masterKey, startTestGateway } from './support/start-test-gateway.js';

const upstreamKey = 'sk-proj-Zq8hV3nK5tW1xY7bR2cJ9mL4pD6fG0sA';
const staticKey = 'sy-static-7Hk2Lm9Qw3Er5Ty8Ui1Op4As6Df0Gh';

describe('secrets stay out of logs and error bodies', () => {
  it('finds no key in any log line or error body over a full run', async () => {
    const upstream = await startMockOpenAI({ apiKey: upstreamKey });
    const gateway = await startTestGateway({
      log: { level: 'trace' },
      providers: { mock: {}, openai: { api_key: upstreamKey, base_url: upstream.url } },
      chain: [{ auth: { keys: [{ name: 'ci', key: staticKey, team: 'platform' }] } }, 'route', 'adapter'],
    });
    const bodies: string[] = [];
    const capture = async (promise: Promise<unknown>) => {
      try {
        await promise;
      } catch (error) {
        if (error instanceof OpenAI.APIError) bodies.push(JSON.stringify(error.error), error.message);
      }
    };
    try {
      const client = new OpenAI({ apiKey: staticKey, baseURL: gateway.baseURL, maxRetries: 0 });
      const ask = (model: string) => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
      await ask('mock/echo');
      await ask('openai/gpt-4o-mini');
      const stream = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
      for await (const chunk of stream) void chunk;
      // The upstream echoes our provider key back in its error messages.
      for (const status of [400, 401, 403, 404, 429, 500]) {
        upstream.enqueue({ status, body: { error: { message: `Incorrect API key provided: ${upstreamKey}; Bearer ${upstreamKey}`, type: 'invalid_request_error', code: null, param: null } } });
        await capture(ask('openai/gpt-4o-mini'));
      }
      upstream.enqueue({ stream: { midStreamError: true } });
      await capture((async () => {
        const broken = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'a b c' }], stream: true });
        for await (const chunk of broken) void chunk;
      })());
      await capture(new OpenAI({ apiKey: `${staticKey}x`, baseURL: gateway.baseURL, maxRetries: 0 }).models.list());
      await capture(new OpenAI({ apiKey: masterKey, baseURL: gateway.baseURL, maxRetries: 0 }).models.list());
      await capture(ask('openai/gpt-4o-mini'));
    } finally {
      await gateway.close();
      await upstream.close();
    }
    expect(bodies.length).toBeGreaterThanOrEqual(7);
    expect(gateway.logLines.length).toBeGreaterThan(10);
    for (const text of [...gateway.logLines, ...bodies]) {
      for (const secret of [upstreamKey, staticKey, masterKey, upstreamKey.slice(-12), staticKey.slice(-12)]) {
        expect(text).not.toContain(secret);
      }
    }
    // The records still say who called: by key id, never by key.
    expect(gateway.logLines.some((line) => line.includes('"keyId":"static:ci"'))).toBe(true);
  });
});
