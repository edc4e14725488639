import type { MockUpstream } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerMocks } from './support/provider-mocks.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Mistral refuses top-level fields it does not know, so the mistral provider drops them
 * and says so in a warning. The client names those fields: each was written into the
 * warning twice (the `dropped` list and the message), whatever its length or count.
 */
let mistral: MockUpstream<string>;
let gateway: TestGateway;

beforeAll(async () => {
  mistral = await providerMocks.mistral.start();
  gateway = await startTestGateway({ providers: { mistral: providerMocks.mistral.options(mistral.url) } });
});
afterAll(async () => {
  await gateway.close();
  await mistral.close();
});

async function chat(extra: Record<string, unknown>) {
  const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: `mistral/${providerMocks.mistral.model}`, messages: [{ role: 'user', content: 'hi' }], ...extra }),
  });
  await response.text();
  return response.status;
}

const warningLines = () => gateway.logLines.filter((line) => line.includes('dropped from the request'));

describe('fields Mistral does not accept, dropped with a warning', () => {
  it('two 100,000-character field names and 5,000 more: answered, the warning names a few, cut short, and counts the rest', async () => {
    const extra: Record<string, unknown> = { ['a'.repeat(100_000)]: 1, ['b'.repeat(100_000)]: 2 };
    for (let index = 0; index < 5000; index++) extra[`unknown_field_${index}`] = index;
    gateway.logLines.length = 0;
    expect(await chat(extra)).toBe(200);
    const [warning, ...more] = warningLines();
    expect(more).toEqual([]);
    expect(warning!.length).toBeLessThan(4000);
    const logged = JSON.parse(warning!) as { dropped: string[]; msg: string };
    expect(logged.dropped.length).toBeLessThanOrEqual(10);
    expect(logged.msg).toContain('and 4,992 more');
    // Nothing the client named reached Mistral.
    const sent = mistral.requests.at(-1)!.body as Record<string, unknown>;
    expect(Object.keys(sent).some((key) => key.startsWith('unknown_field_') || key.startsWith('aaaa'))).toBe(false);
  });

  it('one field it does not accept: named in full, as before', async () => {
    gateway.logLines.length = 0;
    expect(await chat({ logit_bias: { '50256': 1 } })).toBe(200);
    const logged = JSON.parse(warningLines()[0]!) as { dropped: string[]; msg: string };
    expect(logged.dropped).toEqual(['logit_bias']);
    expect(logged.msg).toBe('mistral does not accept logit_bias; dropped from the request');
  });
});
