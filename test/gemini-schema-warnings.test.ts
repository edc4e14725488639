import { startMockGemini, type MockGemini } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * The Gemini adapter logs the schema keywords it removed (Gemini refuses them), one JSON
 * pointer each. A pointer spells every property name on the way, and the client writes
 * those names: a small schema with long names and many removed keywords at the bottom
 * made a warning the size of names × keywords.
 */
const geminiKey = 'AIzaSyTest0123456789abcdef';
let upstream: MockGemini;
let gateway: TestGateway;

beforeAll(async () => {
  upstream = await startMockGemini({ apiKey: geminiKey });
  gateway = await startTestGateway({ providers: { gemini: { api_key: geminiKey, base_url: upstream.url } } });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

/** `levels` nested properties, each named by `nameLength` characters, the innermost holding `keywords` keywords Gemini refuses. */
function deepSchema(levels: number, nameLength: number, keywords: number): Record<string, unknown> {
  let node: Record<string, unknown> = { type: 'string' };
  for (let index = 0; index < keywords; index++) node[`x-unknown-${index}`] = true;
  for (let level = 0; level < levels; level++) node = { type: 'object', properties: { [`p${level}`.padEnd(nameLength, 'n')]: node } };
  return node;
}

async function chatWith(body: Record<string, unknown>) {
  const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const longestLogLine = () => Math.max(...gateway.logLines.map((line) => line.length));

describe('the keywords removed from a schema for Gemini, as the log lists them', () => {

  it('tool parameters of 47 KB, 25 levels of 1,000-character names over 1,000 removed keywords: answered, the warning a few KB', async () => {
    const body = { tools: [{ type: 'function', function: { name: 'lookup', parameters: deepSchema(25, 1000, 1000) } }] };
    expect(JSON.stringify(body).length).toBeLessThan(50_000);
    gateway.logLines.length = 0;
    const answer = await chatWith(body);
    expect(answer.status).toBe(200);
    const warning = gateway.logLines.find((line) => line.includes('parts of the request were changed for Gemini'));
    // What was removed is still told: where the first ones were (the pointer's end names the keyword), and how many more.
    expect(warning).toContain('/x-unknown-0,');
    expect(warning).toContain('and 990 more');
    expect(longestLogLine()).toBeLessThan(16_000);
  });

  it('3 MB of names over 2,000 removed keywords (names × keywords past what a string can hold): answered, not a 500', async () => {
    const answer = await chatWith({ tools: [{ type: 'function', function: { name: 'lookup', parameters: deepSchema(25, 100_000, 2000) } }] });
    expect(answer.status).toBe(200);
    expect(longestLogLine()).toBeLessThan(16_000);
  });
});
