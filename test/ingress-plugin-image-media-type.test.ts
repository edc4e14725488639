import type { MockUpstream } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import geminiIngress from '../examples/ingress-gemini/src/index.js';
import { providerMocks } from './support/provider-mocks.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * The media type of an inline image on an ingress plugin's route (the Gemini example's
 * `inlineData.mimeType`). The gateway's own routes take at most 64 characters of
 * `A–Z a–z 0–9 _ . + -` each side of the slash; a plugin's request went upstream with
 * any: 100,000 characters, or a line break, which Bedrock's refusal named back whole.
 */
let bedrock: MockUpstream<string>;
let gateway: TestGateway;
const bedrockModel = `bedrock/${providerMocks.bedrock.model}`;

beforeAll(async () => {
  bedrock = await providerMocks.bedrock.start();
  gateway = await startTestGateway({ providers: { mock: { models: ['echo'] }, bedrock: providerMocks.bedrock.options(bedrock.url) }, ingress: { gemini: {} } }, { plugins: [geminiIngress] });
});
afterAll(async () => {
  await gateway.close();
  await bedrock.close();
});

async function generateWithImage(model: string, mimeType: string) {
  const response = await fetch(`${gateway.origin}/v1beta/models/${encodeURIComponent(model)}:generateContent`, {
    method: 'POST',
    headers: { 'x-goog-api-key': masterKey, 'content-type': 'application/json' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'what is this?' }, { inlineData: { mimeType, data: 'iVBORw0KGgo=' } }] }] }),
  });
  return { status: response.status, text: await response.text() };
}

describe('an inline image on an ingress plugin route whose media type the gateway’s own routes refuse', () => {
  it.each([
    ['100,000 characters', `image/${'x'.repeat(100_000)}`],
    ['a line break', 'image/png\r\nx-injected: HOSTILE7q'],
    ['a parameter', 'image/png;base64,HOSTILE7q'],
  ])('%s: 400 before any upstream call, not echoing it', async (_, mimeType) => {
    for (const model of [bedrockModel, 'mock/echo']) {
      const before = bedrock.requests.length;
      const answer = await generateWithImage(model, mimeType);
      expect(answer.status, answer.text.slice(0, 300)).toBe(400);
      expect(answer.text.length).toBeLessThan(1000);
      expect(answer.text).not.toContain('HOSTILE7q');
      expect(JSON.parse(answer.text)).toMatchObject({ error: { status: 'INVALID_ARGUMENT', details: [{ reason: 'invalid_request' }] } });
      expect(bedrock.requests.length).toBe(before);
    }
  });

  it('a media type of 64 characters each side of the slash is still taken', async () => {
    const answer = await generateWithImage('mock/echo', `image/${'x'.repeat(58)}+png`);
    expect(answer.status, answer.text).toBe(200);
  });
});
