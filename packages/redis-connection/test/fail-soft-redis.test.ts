import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FailSoftRedis } from '../src/index.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('FailSoftRedis', () => {
  it('against a closed port: waits for the first attempt only, fails commands fast, reports errors', async () => {
    const errors: Error[] = [];
    const redis = new FailSoftRedis({
      url: `redis://127.0.0.1:${await closedPort()}`,
      connectionName: 'test',
      connectTimeoutMs: 300,
      onError: (error) => errors.push(error),
    });
    const started = performance.now();
    await redis.whenFirstConnected();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(redis.reachable).toBe(false);
    await expect(redis.client.get('x')).rejects.toThrow();
    expect(errors.length).toBeGreaterThan(0);
    await redis.whenFirstConnected(); // resolves at once from now on
    await redis.close();
    await redis.close(); // harmless twice
  });
});
