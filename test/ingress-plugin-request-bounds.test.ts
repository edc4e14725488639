import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineIngress, openAIChatDialect, type ChatRequest, type IngressDialect } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An ingress plugin whose dialect sets canonical fields from its body without checking
 * them, as a third party's might (`Number(query.max)`). The gateway's own dialects hold
 * every number to a range and every list to a length; a plugin's request went to the
 * budget, the rate limit and the adapters unchecked: an output limit of -5 or 1.5 was
 * held and sent, a temperature of 1e300 and a thousand tools went upstream.
 */
const looseDialect: IngressDialect = {
  ...openAIChatDialect,
  name: 'loose-fields-test',
  parse(body, limits) {
    const { set, ...rest } = body as { set?: Partial<ChatRequest> };
    const parsed = openAIChatDialect.parse(rest, limits);
    return { ...parsed, request: { ...parsed.request, ...set } };
  },
};

const looseIngress = defineIngress<Record<string, never>>({
  name: 'loose-fields',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({ dialect: looseDialect, routes: [{ method: 'post', path: '/loose-fields/chat', name: 'chat' }] }),
});

let gateway: TestGateway;
let dataDir: string;
let budgetedKey: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-plugin-bounds-'));
  gateway = await startTestGateway({ server: { data_dir: dataDir }, storage: { use: 'sqlite' }, providers: { mock: { models: ['echo'] } }, ingress: { 'loose-fields': {} } }, { plugins: [looseIngress] });
  const created = await fetch(`${gateway.origin}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'budgeted', scope: { budget: { limit_usd: 10 } } }),
  });
  budgetedKey = ((await created.json()) as { secret: string }).secret;
});
afterAll(async () => {
  await gateway.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function send(set: Partial<ChatRequest>, key: string) {
  const response = await fetch(`${gateway.origin}/loose-fields/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }], set }),
  });
  return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
}

describe("an ingress plugin's request is held to the gateway's own bounds", () => {
  it.each<[string, Partial<ChatRequest>]>([
    ['maxOutputTokens -5', { maxOutputTokens: -5 }],
    ['maxOutputTokens 1.5', { maxOutputTokens: 1.5 }],
    ['maxOutputTokens 1e300', { maxOutputTokens: 1e300 }],
    ['temperature 1e300', { temperature: 1e300 }],
    ['topP -1', { topP: -1 }],
    ['presencePenalty 3', { presencePenalty: 3 }],
    ['frequencyPenalty -3', { frequencyPenalty: -3 }],
    ['seed 1e300', { seed: 1e300 }],
    ['candidateCount 8', { candidateCount: 8 }],
    ['1,000 stop sequences', { stopSequences: Array<string>(1000).fill('x') }],
    ['a stop sequence of 1,001 characters', { stopSequences: ['ok', 's'.repeat(1001)] }],
    ['1,000 tools', { tools: Array.from({ length: 1000 }, (_, index) => ({ name: `t${index}`, parameters: { type: 'object' } })) }],
  ])('%s → 400 invalid_request naming the field, for any key', async (_, set) => {
    for (const key of [masterKey, budgetedKey]) {
      const { status, body } = await send(set, key);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(body.error?.code).toBe('invalid_request');
      expect(body.error?.message).toContain(Object.keys(set)[0]);
    }
  });

  it('a request within every bound is served', async () => {
    const { status } = await send({ maxOutputTokens: 1_000_000, temperature: 2, topP: 0, presencePenalty: -2, frequencyPenalty: 2, seed: -(2 ** 53 - 1), candidateCount: 1, stopSequences: [...Array<string>(63).fill('x'), 's'.repeat(1000)] }, budgetedKey);
    expect(status).toBe(200);
  });
});
