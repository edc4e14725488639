import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Key-shaped strings (no configured credential: a key the upstream was given some other way, a
 * client's pasted into a prompt the upstream quotes back) were blanked in an upstream's error
 * only as plain text. Written with `\u` escapes left in the message (JSON inside a JSON string)
 * or percent-encoded with their dashes encoded too (a URL or a form quoted), they reached the
 * client's error body whole.
 */
const quoted = 'sk-ant-api03-Zq8hV3nK5tW1xY7bR2cJ9mL4pD6fG0sA';
const secretPart = quoted.slice('sk-ant-api03-'.length);

let upstream: MockOpenAI;
let gateway: TestGateway;

beforeAll(async () => {
  upstream = await startMockOpenAI();
  gateway = await startTestGateway({
    log: { level: 'trace' },
    providers: { openai: { api_key: 'sk-proj-configured-0123456789', base_url: upstream.url } },
    models: { solo: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } } },
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const unicodeEscaped = (text: string, backslashes: number) => text.replace(/[sk-]/g, (char) => `${'\\'.repeat(backslashes)}u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
const percentEncoded = (text: string) => text.replace(/[^A-Za-z0-9]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

describe('a key-shaped string an upstream error quotes escaped', () => {
  it.each([
    ['with \\u escapes left in the message', unicodeEscaped(quoted, 1)],
    ['with doubled \\u escapes', unicodeEscaped(quoted, 3)],
    ['percent-encoded, its dashes too', `Bearer%20${percentEncoded(quoted)}`],
    ['percent-encoded twice', percentEncoded(`Bearer ${percentEncoded(quoted)}`)],
  ])('%s: blanked in the error body and the logs', async (_name, spelled) => {
    const logsBefore = gateway.logLines.length;
    upstream.enqueue({ status: 400, body: { error: { message: `request held ${spelled} in its metadata`, type: 'invalid_request_error', code: null, param: null } } });
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'solo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(body).error.message).toMatch(/^openai: request held .*\[REDACTED\].* in its metadata$/);
    for (const text of [body, ...gateway.logLines.slice(logsBefore)]) expect(text).not.toContain(secretPart.slice(0, 12));
  });
});
