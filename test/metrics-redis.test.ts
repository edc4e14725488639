import { findRedis, freshRedisPrefix, startTcpRelay, type TcpRelay } from '@switchyard/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const redis = await findRedis();

describe.skipIf(!redis.available)('the rate-limit Redis on /metrics', () => {
  let relay: TcpRelay | undefined;
  let gateway: TestGateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    await relay?.close();
  });

  it.each(['fail-open', 'fail-closed'] as const)('%s: reachable while it answers, unreachable once it refuses, and its refusals counted', async (onError) => {
    const target = new URL((redis as { url: string }).url);
    relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 6379) });
    gateway = await startTestGateway({
      chain: [
        'auth',
        {
          'rate-limit': {
            limits: { global: { rpm: 100000 } },
            store: { use: 'redis', url: relay.urlFor(target.toString()), key_prefix: freshRedisPrefix(), on_error: onError, connect_timeout_ms: 200, command_timeout_ms: 200 },
          },
        },
        'route',
        'adapter',
      ],
    });
    const send = async () => {
      const response = await fetch(`${gateway!.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}` },
        body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await response.arrayBuffer();
      return response.status;
    };
    const scrape = async () => (await fetch(`${gateway!.origin}/metrics`)).text();

    expect(await send()).toBe(200);
    let text = await scrape();
    expect(text).toMatch(/^switchyard_store_reachable\{check="rate_limit_store"\} 1$/m);
    expect(text).toMatch(/^switchyard_health_check_up\{check="rate_limit_store"\} 1$/m);

    await relay.setMode('refuse');
    expect(await send()).toBe(onError === 'fail-open' ? 200 : 429);
    text = await scrape();
    expect(text).toMatch(/^switchyard_store_reachable\{check="rate_limit_store"\} 0$/m);
    // Failing open the gateway still serves, so the section stays healthy; failing closed it refuses everything.
    expect(text).toMatch(new RegExp(`^switchyard_health_check_up\\{check="rate_limit_store"\\} ${onError === 'fail-open' ? 1 : 0}$`, 'm'));
    if (onError === 'fail-closed') expect(text).toMatch(/^switchyard_rate_limit_refusals_total\{source="store",dimension="unknown"\} 1$/m);
    else expect(text).not.toContain('switchyard_rate_limit_refusals_total{');
  });
});
