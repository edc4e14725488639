import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { builtInPlugins } from '@switchyard/cli';
import { createGateway, createLogger, definePlugin, getContext, GatewayError, type PluginFactory } from '@switchyard/core';
import { startMockOpenAI } from '@switchyard/testing';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { masterKey, startTestGateway } from './support/start-test-gateway.js';

/** A third-party step that counts the requests it refuses, by a configured region. */
const regionStep = definePlugin<{ blocked: string[] }>({
  name: 'region-guard',
  optionsSchema: { type: 'object', additionalProperties: false, required: ['blocked'], properties: { blocked: { type: 'array', items: { type: 'string' } } } },
  create(options, runtime) {
    const refusals = runtime.metrics.counter({ name: 'switchyard_region_refusals_total', help: 'Refused by region.', labelNames: ['region'] });
    runtime.metrics.gauge({
      name: 'switchyard_region_rules',
      help: 'Blocked regions configured.',
      collect() {
        this.set(options.blocked.length);
      },
    });
    return (req, res, next) => {
      const header = req.headers['x-region'];
      // Only a configured region becomes a label value; anything else is 'other'.
      const region = typeof header === 'string' && options.blocked.includes(header) ? header : 'other';
      if (region !== 'other' && getContext(res).endpoint === 'chat') {
        refusals.inc({ region });
        throw new GatewayError('endpoint_not_allowed', 'Not from this region.');
      }
      next();
    };
  },
});

describe('metrics of a plugin', () => {
  it('are registered on the gateway through runtime.metrics and served on its /metrics', async () => {
    const gateway = await createGateway(
      { master_key: masterKey, chain: ['auth', { 'region-guard': { blocked: ['xx'] } }, 'route', 'adapter'] },
      { plugins: [...builtInPlugins, regionStep as PluginFactory<unknown, unknown>], logger: createLogger({ level: 'silent' }) },
    );
    const server = express().use(gateway.router).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const region of ['xx', 'xx', 'made-up-by-a-client']) {
        await fetch(`${origin}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${masterKey}`, 'x-region': region },
          body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
        });
      }
      const text = await (await fetch(`${origin}/metrics`)).text();
      expect(text).toMatch(/^switchyard_region_refusals_total\{region="xx"\} 2$/m);
      expect(text).toMatch(/^switchyard_region_rules 1$/m);
      expect(text).toMatch(/^switchyard_requests_total\{endpoint="chat",provider="\(none\)",model="\(none\)",status_class="4xx",error_code="endpoint_not_allowed"\} 2$/m);
      expect(text).toMatch(/^switchyard_requests_total\{endpoint="chat",provider="mock",model="\(other\)",status_class="2xx",error_code=""\} 1$/m);
      expect(text).not.toContain('made-up-by-a-client');
    } finally {
      await gateway.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('circuit breaker state on /metrics', () => {
  it('shows a known deployment open after it keeps failing, closed for the others', async () => {
    const upstream = await startMockOpenAI();
    const gateway = await startTestGateway({
      providers: { flaky: { use: 'openai', api_key: 'sk-flaky-test-abcdefgh', base_url: upstream.url } },
      models: { shaky: { deployments: [{ target: 'flaky/gpt-4o-mini' }], retries: { attempts: 0 } } },
      chain: ['auth', { 'circuit-breaker': { volume_threshold: 2, error_threshold_percentage: 50, reset_timeout_ms: 60000 } }, 'route', 'adapter'],
    });
    try {
      upstream.enqueue({ error: 'server_error' }, { error: 'server_error' }, { error: 'server_error' });
      const statuses = [];
      for (let call = 0; call < 3; call++) {
        const response = await fetch(`${gateway.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${masterKey}` },
          body: JSON.stringify({ model: 'shaky', messages: [{ role: 'user', content: 'hi' }] }),
        });
        statuses.push(((await response.json()) as { error?: { code: string } }).error?.code);
      }
      // The third is refused by the open breaker without reaching the upstream.
      expect(statuses).toEqual(['upstream_server_error', 'upstream_server_error', 'upstream_overloaded']);
      expect(upstream.requests).toHaveLength(2);
      const text = await (await fetch(`${gateway.origin}/metrics`)).text();
      expect(text).toMatch(/^switchyard_circuit_breaker_state\{deployment="flaky\/gpt-4o-mini",state="open"\} 1$/m);
      expect(text).toMatch(/^switchyard_circuit_breaker_state\{deployment="flaky\/gpt-4o-mini",state="closed"\} 0$/m);
      expect(text).toMatch(/^switchyard_health_check_up\{check="circuit_breakers"\} 0$/m);
      expect(text).toMatch(/^switchyard_requests_total\{endpoint="chat",provider="flaky",model="flaky\/gpt-4o-mini",status_class="5xx",error_code="upstream_overloaded"\} 1$/m);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
