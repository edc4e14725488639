import { startMockOpenAI } from '@switchyard/testing';
import { expect, it } from 'vitest';
import { spellSecret, unescapeAll } from './support/secret-variants.js';
import { masterKey, startTestGateway } from './support/start-test-gateway.js';

const providerKey = 'sk-proj-LISTEDs3cr3t/KEY0123456789abcdef';

it("a model list whose entries echo the provider key (a proxy listing what it was sent) has it blanked in GET /v1/models, plain or JSON-escaped", async () => {
  const upstream = await startMockOpenAI();
  const gateway = await startTestGateway({ providers: { east: { use: 'openai', api_key: providerKey, base_url: upstream.url } } });
  try {
    const escaped = spellSecret({ secret: providerKey, spellings: [...providerKey].map((char) => (char === '/' ? 'short' : 'upper')) }, 1);
    upstream.enqueue({
      match: { method: 'GET', path: '/v1/models' },
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: `{"object":"list","data":[{"id":"gpt-4o-mini","object":"model","created":1,"owned_by":"east"},{"id":"key-${escaped}","object":"model","created":1,"owned_by":"${providerKey}"}]}`,
    });
    const response = await fetch(`${gateway.origin}/v1/models`, { headers: { authorization: `Bearer ${masterKey}` } });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toContain('east/gpt-4o-mini');
    expect(unescapeAll(text)).not.toContain(providerKey.slice(-12));
    expect(unescapeAll(text)).not.toContain(providerKey.slice(0, 12));
  } finally {
    await gateway.close();
    await upstream.close();
  }
});
