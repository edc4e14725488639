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

  it('keeps at most 500 series however many names clients make up; later ones count under provider/(other)', async () => {
    const upstream = await startMockOpenAI();
    const gateway = await startTestGateway({ providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } } });
    try {
      const names = Array.from({ length: 520 }, (_, index) => `openai/made-up-${index}`);
      for (let start = 0; start < names.length; start += 20) {
        const answers = await Promise.all(
          names.slice(start, start + 20).map((model) =>
            fetch(`${gateway.baseURL}/chat/completions`, {
              method: 'POST',
              headers: { authorization: `Bearer ${masterKey}` },
              body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
            }),
          ),
        );
        for (const answer of answers) expect(answer.status).toBe(200);
      }
      const series = async () => (await (await fetch(`${gateway.origin}/metrics`)).text()).split('\n').filter((line) => line.startsWith('switchyard_unpriced_calls_total{'));
      await expect.poll(async () => (await series()).find((line) => line.includes('model="(other)"'))).toBe(
        'switchyard_unpriced_calls_total{provider="openai",model="(other)"} 20',
      );
      expect(await series()).toHaveLength(501);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });

  it("a configured deployment keeps its own series, and its warning, after clients made up 500 names first", async () => {
    const upstream = await startMockOpenAI();
    const gateway = await startTestGateway({
      providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } },
      models: { house: 'openai/house-model-2031', backup: { deployments: [{ target: 'openai/gpt-4o-mini' }], fallbacks: ['openai/house-fallback-2031'] } },
    });
    const call = (model: string) =>
      fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}` },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
    try {
      const names = Array.from({ length: 505 }, (_, index) => `openai/made-up-${index}`);
      for (let start = 0; start < names.length; start += 25) {
        const answers = await Promise.all(names.slice(start, start + 25).map(call));
        for (const answer of answers) expect(answer.status).toBe(200);
      }
      const series = async () => (await (await fetch(`${gateway.origin}/metrics`)).text()).split('\n').filter((line) => line.startsWith('switchyard_unpriced_calls_total{'));
      await expect.poll(async () => (await series()).find((line) => line.includes('model="(other)"'))).toBe('switchyard_unpriced_calls_total{provider="openai",model="(other)"} 5');
      // The operator's own names, an alias target and a fallback called by its provider/model, come after the flood.
      expect((await call('house')).status).toBe(200);
      expect((await call('openai/house-fallback-2031')).status).toBe(200);
      await expect.poll(series).toContain('switchyard_unpriced_calls_total{provider="openai",model="house-model-2031"} 1');
      expect(await series()).toContain('switchyard_unpriced_calls_total{provider="openai",model="house-fallback-2031"} 1');
      expect(await series()).toContain('switchyard_unpriced_calls_total{provider="openai",model="(other)"} 5');
      const warnings = gateway.logLines.filter((line) => line.includes('no price for this model') && line.includes('house-'));
      expect(warnings).toHaveLength(2);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
