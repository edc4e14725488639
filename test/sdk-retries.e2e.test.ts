import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import type { RequestRecord } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// The official SDKs retry 408, 409, 429 and 5xx answers twice by default unless the answer
// says `x-should-retry: false`. An error the gateway calls final must say so, or the SDK sends
// (and the key pays for) the same doomed call three times; one that is not final is left to it.

const upstreamKey = 'sk-proj-upstream-test-key-abcdefghijklmnop';
let upstream: MockOpenAI;
let gateway: TestGateway;
const records: RequestRecord[] = [];
/** Clients as an application builds them: the SDKs' default of two retries. */
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  upstream = await startMockOpenAI({ apiKey: upstreamKey });
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-sdk-retries-')) },
    storage: { use: 'sqlite' },
    providers: { mock: {}, openai: { api_key: upstreamKey, base_url: upstream.url } },
    // One attempt at the gateway: what the upstream sees is what the SDK sent.
    models: { once: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } } },
    // No answer of more than 2 KB: an answer past it is refused, whoever asks again.
    limits: { stream_max_bytes: 2048 },
  });
  gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
  openai = new OpenAI({ apiKey: masterKey, baseURL: gateway.baseURL });
  anthropic = new Anthropic({ apiKey: masterKey, baseURL: gateway.origin });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.reset();
  records.length = 0;
});

const tooLong = 'word '.repeat(1000);

describe('the SDKs do not retry what the gateway calls final', () => {
  it('an answer past limits.stream_max_bytes: one upstream call, not three', async () => {
    upstream.enqueue({ reply: { content: tooLong } }, { reply: { content: tooLong } }, { reply: { content: tooLong } });
    const whole = await openai.chat.completions.create({ model: 'once', messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
    expect(whole).toBeInstanceOf(OpenAI.InternalServerError);
    expect(whole).toMatchObject({ status: 502, code: 'upstream_response_too_large' });
    expect((whole as InstanceType<typeof OpenAI.APIError>).headers?.get('x-should-retry')).toBe('false');
    expect(upstream.requests).toHaveLength(1);
  });

  it('a spent budget: 429 insufficient_quota raised at once, refused once (openai and Anthropic SDKs)', async () => {
    const { secret } = await createBudgetedKey(gateway, 0, 'spent');
    const spentOpenAI = new OpenAI({ apiKey: secret, baseURL: gateway.baseURL });
    const refused = await spentOpenAI.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect(refused).toMatchObject({ code: 'insufficient_quota' });

    const spentAnthropic = new Anthropic({ apiKey: secret, baseURL: gateway.origin });
    const refusedMessage = await spentAnthropic.messages.create({ model: 'mock/echo', max_tokens: 16, messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
    expect(refusedMessage).toBeInstanceOf(Anthropic.RateLimitError);
    expect((refusedMessage as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('x-should-retry')).toBe('false');

    await expect.poll(() => records.length).toBe(2);
    expect(records.map((record) => record.errorCode)).toEqual(['insufficient_quota', 'insufficient_quota']);
  });
  it("a request needing more tokens than the key's tpm allows in a minute: 429 raised at once, sent once (openai and Anthropic SDKs)", async () => {
    // It can never pass however long the client waits: retried, the SDK only added its backoff before the same 429.
    const created = await fetch(`${gateway.origin}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'small tpm', scope: { tpm: 100 } }),
    });
    const { secret } = (await created.json()) as { secret: string };
    let sent = 0;
    const counted: typeof fetch = (input, init) => {
      sent++;
      return fetch(input, init);
    };
    const smallOpenAI = new OpenAI({ apiKey: secret, baseURL: gateway.baseURL, fetch: counted });
    const refused = await smallOpenAI.chat.completions.create({ model: 'mock/echo', max_tokens: 500, messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect(refused).toMatchObject({ code: 'rate_limit_exceeded' });
    expect((refused as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('x-should-retry')).toBe('false');
    expect(sent).toBe(1);

    const smallAnthropic = new Anthropic({ apiKey: secret, baseURL: gateway.origin, fetch: counted });
    const refusedMessage = await smallAnthropic.messages.create({ model: 'mock/echo', max_tokens: 500, messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
    expect(refusedMessage).toBeInstanceOf(Anthropic.RateLimitError);
    expect(sent).toBe(2);
  });
});

describe('the SDKs still retry what may pass', () => {
  it('an upstream 5xx: the SDK tries again and is served', async () => {
    upstream.enqueue({ error: 'server_error' }, { reply: { content: 'served' } });
    const { data, response } = await openai.chat.completions.create({ model: 'once', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    expect(data.choices[0]!.message.content).toBe('served');
    expect(response.status).toBe(200);
    expect(upstream.requests).toHaveLength(2);
  });

  it("an upstream 429: retry-after passed on, the SDK waits it out and tries again", async () => {
    upstream.enqueue({ error: 'rate_limit', headers: { 'retry-after': '1' } }, { reply: { content: 'served' } });
    const message = await anthropic.messages.create({ model: 'once', max_tokens: 16, messages: [{ role: 'user', content: 'x' }] });
    expect(message.content[0]).toMatchObject({ type: 'text' });
    expect(upstream.requests).toHaveLength(2);
    // Bounded: given up after the SDK's retries, the last answer's class and Retry-After kept.
    upstream.enqueue(...Array.from({ length: 3 }, () => ({ error: 'rate_limit' as const, headers: { 'retry-after': '1' } })));
    const limited = await openai.chat.completions.create({ model: 'once', messages: [{ role: 'user', content: 'x' }] }, { maxRetries: 1 }).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('1');
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('x-should-retry')).toBeNull();
    expect(upstream.requests).toHaveLength(4);
  });
});
