import { startMockOpenAI } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { masterKey, startTestGateway } from './support/start-test-gateway.js';

describe('a model without a price', () => {
  it('is served, logged once as a warning, and counted on /metrics', async () => {
    const upstream = await startMockOpenAI();
    const gateway = await startTestGateway({ providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } } });
    try {
      for (let call = 0; call < 3; call++) {
        const response = await fetch(`${gateway.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${masterKey}` },
          body: JSON.stringify({ model: 'openai/brand-new-model-2031', messages: [{ role: 'user', content: 'hi' }] }),
        });
        expect(response.status).toBe(200);
      }
      await expect.poll(async () => (await fetch(`${gateway.origin}/metrics`)).text()).toContain(
        'switchyard_unpriced_calls_total{provider="openai",model="brand-new-model-2031"} 3',
      );
      const warnings = gateway.logLines.filter((line) => line.includes('no price for this model'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('brand-new-model-2031');
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
