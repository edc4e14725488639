import { defineIngress, openAIChatDialect, type DialectStreamEncoder, type IngressDialect, type SseEvent } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A third party's dialect built against an older core: its stream encoder's `switch` has no case
 * for a part kind core added since (here it knows no `usage` part), so for that part it returns
 * `undefined`, which TypeScript only flags when the plugin is rebuilt. That part is skipped; the
 * stream goes on with the parts the encoder knows. Before, reading `.length` of `undefined` failed
 * the whole stream with an in-stream error.
 */
const olderDialect: IngressDialect = {
  ...openAIChatDialect,
  name: 'older-encoder-test',
  createStreamEncoder(options) {
    const current = openAIChatDialect.createStreamEncoder(options);
    const older: DialectStreamEncoder = {
      encode: (part) => (part.type === 'usage' ? (undefined as unknown as SseEvent[]) : current.encode(part)),
      finish: () => current.finish(),
      fail: (error) => current.fail(error),
    };
    return older;
  },
};

const olderIngress = defineIngress<Record<string, never>>({
  name: 'older-encoder',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({ dialect: olderDialect, routes: [{ method: 'post', path: '/older-encoder/chat', name: 'chat' }] }),
});

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({ providers: { mock: { models: ['echo'] } }, ingress: { 'older-encoder': {} } }, { plugins: [olderIngress] });
});
afterAll(() => gateway.close());

describe('an ingress plugin whose stream encoder does not know a part kind', () => {
  it('streams the parts it knows to the end: the unknown one is skipped, not a failed stream', async () => {
    const response = await fetch(`${gateway.origin}/older-encoder/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'three small words' }] }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    const events = text.split('\n\n').filter((block) => block.startsWith('data: ')).map((block) => block.slice('data: '.length));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as { error?: unknown; choices?: { delta?: { content?: string } }[] });
    expect(chunks.filter((chunk) => chunk.error !== undefined)).toEqual([]);
    expect(chunks.map((chunk) => chunk.choices?.[0]?.delta?.content ?? '').join('')).toBe('three small words');
  });
});
