import type { MockUpstream } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerMocks } from './support/provider-mocks.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * The media type of an image sent as a data URL (`data:<type>;base64,…`) on the chat
 * route. The Messages and Responses routes take at most 64 characters each side of the
 * slash; chat took any length, which went upstream as it came, and Bedrock's refusal of
 * a type it does not take named it back whole.
 */
let bedrock: MockUpstream<string>;
let gateway: TestGateway;

beforeAll(async () => {
  bedrock = await providerMocks.bedrock.start();
  gateway = await startTestGateway({ providers: { mock: { models: ['echo'] }, bedrock: providerMocks.bedrock.options(bedrock.url) } });
});
afterAll(async () => {
  await gateway.close();
  await bedrock.close();
});

const longMediaType = `image/${'x'.repeat(100_000)}`;

async function chatWithImage(model: string, mediaType: string) {
  const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: `data:${mediaType};base64,iVBORw0KGgo=` } }] }],
    }),
  });
  return { status: response.status, text: await response.text() };
}

describe('an image data URL on the chat route whose media type is 100,000 characters', () => {
  it.each([['bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0'], ['mock/echo']])('%s: 400 naming the image URL, before any upstream call, not echoing it', async (model) => {
    const before = bedrock.requests.length;
    const answer = await chatWithImage(model, longMediaType);
    expect(answer.status).toBe(400);
    expect(answer.text.length).toBeLessThan(1000);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'invalid_request', param: 'messages[0].content[1].image_url.url' } });
    expect(bedrock.requests.length).toBe(before);
  });

  it('a media type of 64 characters each side of the slash is still taken', async () => {
    const answer = await chatWithImage('mock/echo', `image/${'x'.repeat(58)}+png`);
    expect(answer.status).toBe(200);
  });
});
