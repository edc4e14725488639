import { startMockGemini, type MockGemini } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Gemini takes no `$ref`, so the gemini provider copies each definition where it is
 * used. The copies were bounded in number (25,000 schema objects), not in size: a
 * definition with a long text, used a few thousand times, became a body of hundreds
 * of megabytes for Gemini, or one too large to write at all.
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

function toolUsingDefinition(uses: number, nameLength: number) {
  const properties = Object.fromEntries(Array.from({ length: uses }, (_, at) => [`p${at}`, { $ref: '#/$defs/D' }]));
  const parameters = { type: 'object', $defs: { D: { type: 'object', properties: { ['n'.repeat(nameLength)]: { type: 'string' } } } }, properties };
  return [{ type: 'function', function: { name: 'lookup', parameters } }];
}

async function chat(tools: unknown[]) {
  const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], tools }),
  });
  return { status: response.status, body: (await response.json()) as { error?: { code?: string; param?: string; message?: string } } };
}

describe('a tool schema whose inlined definitions would spell more than Gemini should be sent', () => {
  it('a 20,000-character name in a definition used 1,000 times (40 MB once copied) → 400 naming tools, nothing sent to Gemini', async () => {
    const before = upstream.requests.length;
    const answer = await chat(toolUsingDefinition(1000, 20_000));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_request', param: 'tools' });
    expect(answer.body.error?.message).toContain('characters of names and values');
    expect(upstream.requests.length).toBe(before);
  });

  it('the same definition used ten times is sent, copied', async () => {
    const answer = await chat(toolUsingDefinition(10, 20_000));
    expect(answer.status).toBe(200);
    const sent = upstream.requests.at(-1)!.body as { tools: Array<{ functionDeclarations: Array<{ parameters: { properties: Record<string, unknown> } }> }> };
    expect(Object.keys(sent.tools[0]!.functionDeclarations[0]!.parameters.properties)).toHaveLength(10);
  });
});
