import { describe, expect, it } from 'vitest';
import { gatewayOverReplay } from './support/gateway-over-replay.js';
import { masterKey } from './support/start-test-gateway.js';

/**
 * A chat request of system messages alone. Anthropic ("messages: at least one message is
 * required"), Converse and Gemini all need a turn besides the system prompt, which each
 * takes apart: such a request went to Anthropic and Bedrock as `messages: []` and came back
 * as their 400, where Gemini's was refused in the gateway. Each is now the gateway's own
 * 400 naming `messages`, before anything goes upstream.
 */

const rig = gatewayOverReplay((upstream) => ({
  providers: {
    anthropic: { api_key: 'sk-ant-test-0123456789', base_url: upstream },
    gemini: { api_key: 'AIzaSyTest0123456789abcdef', base_url: upstream },
    bedrock: { region: 'us-east-1', endpoint: upstream, access_key_id: 'AKIDEXAMPLE0123456789', secret_access_key: 'bedrock-test-secret-0123456789' },
  },
  chain: ['auth', 'key-scope', 'route', 'adapter'],
}));

describe('a chat request holding only system messages', () => {
  it.each(['anthropic/claude-sonnet-4-5', 'bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0', 'gemini/gemini-2.5-flash'])('%s: 400 naming messages, nothing sent upstream', async (model) => {
    const received = rig.replay.received.length;
    for (const stream of [false, true]) {
      const response = await fetch(`${rig.gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, stream, messages: [{ role: 'system', content: 'You are terse.' }, { role: 'developer', content: 'Answer in French.' }] }),
      });
      const body = (await response.json()) as { error: { code: string; type: string; param: string | null; message: string } };
      expect(response.status).toBe(400);
      expect(body.error).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error', param: 'messages' });
      expect(body.error.message).toMatch(/user or assistant message/);
    }
    expect(rig.replay.received.length).toBe(received);
  });
});
