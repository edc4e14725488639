import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSwitchyard, type SpawnedSwitchyard } from './support/spawn-switchyard.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'packages/cli/dist/bin.js');
const masterKey = 'sy-master-example-config-test-0123456789';
let dir: string;
let gateway: SpawnedSwitchyard;

// config/switchyard.example.yaml copied to switchyard.config.yaml, as the README says,
// in a fresh folder; only the port is chosen by the test. OPENAI_API_KEY is a
// placeholder: the requests below go to the mock provider.
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'switchyard-example-config-'));
  await copyFile(path.join(root, 'config/switchyard.example.yaml'), path.join(dir, 'switchyard.config.yaml'));
  gateway = await spawnSwitchyard(process.execPath, [cli, 'start', '--port', '0'], {
    cwd: dir,
    env: { SWITCHYARD_MASTER_KEY: masterKey, OPENAI_API_KEY: 'sk-placeholder-not-used' },
  });
});
afterAll(async () => {
  expect(await gateway?.stop()).toBe(0);
  await rm(dir, { recursive: true, force: true });
});

const chat = (key: string) =>
  fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('the example config, copied as the README says', () => {
  it('applies rate limits: a key created with rpm 1 gets a 429 on its second request', async () => {
    const created = await fetch(`${gateway.origin}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'one-a-minute', scope: { rpm: 1 } }),
    });
    const { secret } = (await created.json()) as { secret: string };
    expect((await chat(secret)).status).toBe(200);
    const second = await chat(secret);
    expect(second.status).toBe(429);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
  });

  it('runs the circuit breaker (its section is on /health)', async () => {
    const health = (await (await fetch(`${gateway.origin}/health`)).json()) as { checks: Record<string, unknown> };
    expect(health.checks).toHaveProperty('circuit_breakers');
    expect(health.checks).toHaveProperty('rate_limit_store');
  });

  it('answers no key that the file itself would make: only the master key and virtual keys work', async () => {
    expect((await chat('sy-ci-change-me-0000000000')).status).toBe(401);
  });
});
