import { startMockAzure, startMockCohere, startMockGemini, startMockMistral } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unescapeAll } from './support/secret-variants.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * In-stream errors in each remaining provider's own shape, quoting that provider's
 * key (test/secret-redaction.property.test.ts covers OpenAI, Anthropic and Gemini
 * bodies and streams): none of these keys has a prefix a pattern would know it by.
 */
const keys = {
  azure: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  cohere: 'COHEREs3cr3tKeyValue0123456789abcd',
  mistral: 'MISTRALs3cr3tKeyValue0123456789ab',
  gemini: 'GEMINIproxyToken0123456789abcdefgh',
};
const escaped = (key: string) => key.replace(/[0-9]/g, (digit) => `\\u003${digit}`);

describe('in-stream errors quoting the provider key, per provider', () => {
  let upstreams: Record<'azure' | 'cohere' | 'mistral' | 'gemini', { url: string; enqueue: (...scripts: never[]) => void; close(): Promise<void> }>;
  let gateway: TestGateway;

  beforeAll(async () => {
    const [azure, cohere, mistral, gemini] = await Promise.all([startMockAzure(), startMockCohere(), startMockMistral(), startMockGemini()]);
    upstreams = { azure, cohere, mistral, gemini } as typeof upstreams;
    const once = (target: string) => ({ deployments: [{ target }], retries: { attempts: 0 } });
    gateway = await startTestGateway({
      log: { level: 'trace' },
      providers: {
        azure: { api_key: keys.azure, endpoint: azure.url },
        cohere: { api_key: keys.cohere, base_url: cohere.url },
        mistral: { api_key: keys.mistral, base_url: mistral.url },
        gemini: { api_key: keys.gemini, base_url: gemini.url },
      },
      models: { azure: once('azure/gpt-4o-mini'), cohere: once('cohere/command-a-03-2025'), mistral: once('mistral/mistral-large-latest'), gemini: once('gemini/gemini-2.5-flash') },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all(Object.values(upstreams ?? {}).map((upstream) => upstream.close()));
  });

  const cases: Array<[keyof typeof keys, string]> = [
    ['azure', `data: {"error":{"message":"Access denied: key ${keys.azure}","type":"server_error","param":null,"code":"500"}}\n\n`],
    ['azure', `data: {"error":{"message":"key ${escaped(keys.azure)}","type":"server_error","param":"${keys.azure}","code":null}}\n\n`],
    ['cohere', `event: message-end\ndata: {"type":"message-end","delta":{"finish_reason":"ERROR","error":"token ${keys.cohere} revoked"}}\n\n`],
    ['mistral', `data: {"object":"error","message":"key ${keys.mistral}","type":"internal_server_error","param":null,"code":null}\n\n`],
    ['mistral', `data: {"error":{"message":"key ${escaped(keys.mistral)}","type":"server_error","param":null,"code":null}}\n\n`],
    ['gemini', `data: {"error":{"code":500,"message":"proxy token ${escaped(keys.gemini)} refused","status":"INTERNAL","details":[{"reason":"${keys.gemini}"}]}}\r\n\r\n`],
  ];
  for (const [provider, errorWire] of cases) {
    it(`${provider}: ${errorWire.slice(0, 60).replace(/\n/g, ' ')}…`, async () => {
      const logsBefore = gateway.logLines.length;
      upstreams[provider].enqueue({ stream: { midStreamError: true, errorAfterEvents: 2, errorWire } } as never);
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: provider, stream: true, messages: [{ role: 'user', content: 'one two three four' }] }),
      });
      const text = await response.text();
      expect(response.status).toBe(200);
      const errorEvent = text.split('\n').find((line) => line.startsWith('data: {"error"'));
      expect(JSON.parse(errorEvent!.slice('data: '.length)).error.code).toMatch(/^upstream_/);
      for (const seen of [text, ...gateway.logLines.slice(logsBefore)]) {
        expect(unescapeAll(seen)).not.toContain(keys[provider].slice(0, 12));
        expect(unescapeAll(seen)).not.toContain(keys[provider].slice(-12));
      }
    });
  }
});
