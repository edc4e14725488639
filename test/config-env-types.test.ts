import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSwitchyard, type SpawnedSwitchyard } from './support/spawn-switchyard.js';

/**
 * `switchyard start` from a YAML file whose values come from the environment, each one whole
 * `${VAR}`: a key and a header of digits, a header of `false`, go upstream as the text they are
 * (they were read as numbers and booleans, and the config refused them: "expected string"),
 * while the port and a timeout stay the numbers their schemas want.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'packages/cli/dist/bin.js');
const masterKey = 'sy-master-env-types-test-0123456789';
let dir: string;
let upstream: MockOpenAI;
let gateway: SpawnedSwitchyard;

beforeAll(async () => {
  upstream = await startMockOpenAI({ apiKey: '12345678' });
  dir = await mkdtemp(path.join(tmpdir(), 'switchyard-env-types-'));
  await writeFile(
    path.join(dir, 'switchyard.config.yaml'),
    [
      'server:',
      '  port: ${PORT}',
      'providers:',
      '  openai:',
      '    api_key: ${OPENAI_KEY}',
      '    base_url: ${OPENAI_BASE_URL}',
      '    headers:',
      '      x-goog-user-project: ${PROJECT}',
      '      x-beta: ${BETA}',
      '      x-token: ${TOKEN_WITH_DOLLARS}',
      '      x-mixed: v1-${TOKEN_UNSET_REFERENCE}',
      '    timeouts:',
      '      connect_ms: ${CONNECT_MS}',
      'models:',
      '  smart: openai/gpt-4o-mini',
      'chain: [auth, route, adapter]',
    ].join('\n'),
  );
  gateway = await spawnSwitchyard(process.execPath, [cli, 'start'], {
    cwd: dir,
    env: {
      SWITCHYARD_MASTER_KEY: masterKey,
      PORT: '0',
      OPENAI_KEY: '12345678',
      OPENAI_BASE_URL: upstream.url,
      PROJECT: '123456789012',
      BETA: 'false',
      CONNECT_MS: '5000',
      // Values that hold `${…}` themselves: read once, never expanded again (HOME is set; the other is not).
      TOKEN_WITH_DOLLARS: 'pa${HOME}ss',
      TOKEN_UNSET_REFERENCE: 'x${SWITCHYARD_TEST_NEVER_SET}y',
    },
  });
});

afterAll(async () => {
  expect(await gateway?.stop()).toBe(0);
  await upstream?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a whole ${VAR} in a YAML config is read as the type its place wants', () => {
  it('an api_key and headers of digits or "false" reach the upstream as written; the port from PORT=0 was a number to listen on', async () => {
    const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    const chat = upstream.requests.find((request) => request.path === '/v1/chat/completions');
    expect(chat?.headers).toMatchObject({ authorization: 'Bearer 12345678', 'x-goog-user-project': '123456789012', 'x-beta': 'false' });
  });

  it('a value from the environment that holds `${…}` is that text: start checks the file, then builds the gateway from the result, and the second check read it again (expanded ${HOME}, refused an unset name)', async () => {
    const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(response.status).toBe(200);
    const chat = upstream.requests.find((request) => request.path === '/v1/chat/completions');
    expect(chat?.headers).toMatchObject({ 'x-token': 'pa${HOME}ss', 'x-mixed': 'v1-x${SWITCHYARD_TEST_NEVER_SET}y' });
  });
});
