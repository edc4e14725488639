import { definePlugin, type PluginFactory } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/** A third-party step whose health checks break their contract: one throws, one answers a Promise. */
const faultyHealth = definePlugin<Record<string, never>>({
  name: 'faulty-health',
  optionsSchema: { type: 'object', additionalProperties: false },
  create(_options, runtime) {
    runtime.addHealthCheck('thrower', () => {
      throw new Error('lost the connection to sk-live-abcdefghijklmnop0123');
    });
    runtime.addHealthCheck('async_by_mistake', (async () => ({ healthy: true })) as unknown as () => { healthy: boolean });
    return (_req, _res, next) => next();
  },
});

describe('GET /health with a plugin check that breaks its contract', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ chain: ['auth', { 'faulty-health': {} }, 'route', 'adapter'] }, { plugins: [faultyHealth as PluginFactory<unknown, unknown>] });
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('answers 503 degraded naming the failed sections, as /metrics counts them, never a 500', async () => {
    const response = await fetch(`${gateway.origin}/health`);
    const body = (await response.json()) as { status: string; checks: Record<string, { healthy: boolean; error?: string }> };
    expect(response.status).toBe(503);
    expect(body.status).toBe('degraded');
    expect(body.checks['thrower']).toEqual({ healthy: false, error: 'check_failed' });
    expect(body.checks['async_by_mistake']).toEqual({ healthy: false, error: 'check_failed' });
    expect(JSON.stringify(body)).not.toContain('sk-live');

    const metrics = await (await fetch(`${gateway.origin}/metrics`)).text();
    expect(metrics).toMatch(/^switchyard_health_check_up\{check="thrower"\} 0$/m);
    expect(metrics).toMatch(/^switchyard_health_check_up\{check="async_by_mistake"\} 0$/m);

    // Logged, naming the check, at most once a minute however often it is read; no secret it quoted.
    const lines = gateway.logLines.filter((line) => line.includes('health check failed'));
    expect(lines.filter((line) => line.includes('"check":"thrower"'))).toHaveLength(1);
    expect(lines.join('\n')).not.toContain('sk-live-abcdefghijklmnop0123');
  });
});
