import { startMockAnthropic, type MockAnthropic } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Every Anthropic key begins `sk-ant-api03-`: 13 characters, as long as a quoted start of a
 * configured key the redactor blanks. Another Anthropic key (a second workspace's, one a client
 * pasted) once had only those 13 blanked as part of the configured key, and the key-shaped
 * pattern, run after, no longer found an `sk-` to start from: the rest of it, the secret part,
 * was written out after `[REDACTED]`.
 */
const configuredKey = 'sk-ant-api03-Qw3Er5Ty8Ui1Op4As6Df0GhJk2Lz';
const otherKey = 'sk-ant-api03-OtherWorkspace7Hk2Lm9Qw3_Er5Ty8Ui1';
const otherSecretPart = otherKey.slice('sk-ant-api03-'.length);

let upstream: MockAnthropic;
let gateway: TestGateway;

beforeAll(async () => {
  upstream = await startMockAnthropic();
  gateway = await startTestGateway({
    log: { level: 'trace' },
    providers: { anthropic: { api_key: configuredKey, base_url: upstream.url } },
    models: { claude: { deployments: [{ target: 'anthropic/claude-sonnet-4-5' }], retries: { attempts: 0 } } },
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

function chat(model: string) {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

describe('a key that shares its prefix with a configured key', () => {
  it('is blanked whole in an upstream error the client and the logs read', async () => {
    const logsBefore = gateway.logLines.length;
    upstream.enqueue({ status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: `metadata.user_id holds a key: ${otherKey} (this workspace's is ${configuredKey})` } } });
    const response = await chat('claude');
    const body = await response.text();
    expect(response.status).toBe(400);
    expect(body).toContain('[REDACTED]');
    for (const text of [body, ...gateway.logLines.slice(logsBefore)]) {
      expect(text).not.toContain(otherSecretPart);
      expect(text).not.toContain(configuredKey.slice(-12));
    }
  });

  it('is blanked whole where a model name a client pasted it into is written: logs and the error body', async () => {
    const logsBefore = gateway.logLines.length;
    upstream.enqueue({ status: 404, body: { type: 'error', error: { type: 'not_found_error', message: 'model not found' } } });
    const response = await chat(`anthropic/${otherKey}`);
    const body = await response.text();
    expect(response.status).toBe(404);
    const lines = gateway.logLines.slice(logsBefore);
    expect(lines.some((line) => line.includes('"model":"anthropic/[REDACTED]'))).toBe(true);
    for (const text of [body, ...lines]) expect(text).not.toContain(otherSecretPart);
  });
});
