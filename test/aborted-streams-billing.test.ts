import { request } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CHARACTERS_PER_TOKEN, PriceCatalog, textLength, type RequestRecord } from '@switchyard/core';
import { startMockAnthropic, startMockGemini, startMockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { createBudgetedKey } from './support/create-budgeted-key.js';

const epoch = new Date(0).toISOString();
const prices = new PriceCatalog();

/** Collects the gateway's request records and lets a test await a number of them. */
function recordsOf(gateway: TestGateway) {
  const records: RequestRecord[] = [];
  let waiter: { count: number; resolve: () => void } | undefined;
  gateway.gateway.runtime.onRequestFinished((record) => {
    records.push(record);
    if (waiter && records.length >= waiter.count) waiter.resolve();
  });
  return {
    records,
    waitFor: (count: number) =>
      records.length >= count ? Promise.resolve() : new Promise<void>((resolve) => (waiter = { count, resolve })),
  };
}

const createKey = (gateway: TestGateway, limitUsd: number) => createBudgetedKey(gateway, limitUsd, 'streams');

/** The assistant text in a piece of an OpenAI chat stream, whole events only. */
function streamedText(body: string): string {
  let text = '';
  for (const line of body.split('\n')) {
    if (!line.startsWith('data: {')) continue;
    try {
      const chunk = JSON.parse(line.slice(6)) as { choices?: Array<{ delta?: { content?: string } }> };
      text += chunk.choices?.[0]?.delta?.content ?? '';
    } catch {
      // the last line may be cut in the middle
    }
  }
  return text;
}

/**
 * Streams one chat completion and hangs up once `stopAt(bytes, dataEvents)` says so
 * (or reads it to the end). Returns what the client received.
 */
function streamAndHangUp(
  origin: string,
  secret: string,
  body: unknown,
  stopAt: (bytes: number, events: number) => boolean,
): Promise<{ bytes: number; text: string; status: number }> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    });
    req.on('response', (res) => {
      let received = '';
      let bytes = 0;
      const done = () => resolve({ bytes, text: streamedText(received), status: res.statusCode ?? 0 });
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        received += chunk.toString('utf8');
        if (stopAt(bytes, received.split('\ndata: ').length - 1)) {
          req.destroy();
          done();
        }
      });
      res.on('end', done);
    });
    req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)));
    req.end(JSON.stringify(body));
  });
}

describe('streams the client aborts are billed for what was generated', () => {
  let gateway: TestGateway;
  let upstream: Awaited<ReturnType<typeof startMockOpenAI>>;
  const words = Array.from({ length: 400 }, (_, index) => `word${index}`).join(' ');

  beforeAll(async () => {
    upstream = await startMockOpenAI();
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-aborts-')) },
      providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } },
      storage: { use: 'sqlite' },
      usage: { flush_interval_ms: 50 },
    });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('60 streams cut at ~90% of their bytes and 17 cut after a few chunks: ledger and budget bill the generated output, none is 0', async () => {
    const key = await createKey(gateway, 100);
    const { records, waitFor } = recordsOf(gateway);
    const body = { model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Tell me a long story.' }] };
    const reply = { reply: { content: words }, stream: { chunkDelayMs: 1 } };

    // One stream read to the end gives the full size of an answer.
    upstream.enqueue(reply);
    const full = await streamAndHangUp(gateway.origin, key.secret, body, () => false);
    expect(full.text).toBe(words);

    const late = 60;
    const early = 17;
    for (let i = 0; i < late + early; i++) upstream.enqueue(reply);
    const cuts = [
      ...Array.from({ length: late }, () => (bytes: number) => bytes >= full.bytes * 0.9),
      ...Array.from({ length: early }, () => (_bytes: number, events: number) => events >= 4),
    ];
    // Ten at a time, so a 2-core machine keeps the mock's pace.
    const results: Array<{ bytes: number; text: string }> = [];
    for (let start = 0; start < cuts.length; start += 10) {
      results.push(...(await Promise.all(cuts.slice(start, start + 10).map((cut) => streamAndHangUp(gateway.origin, key.secret, body, cut)))));
    }
    await waitFor(1 + late + early);

    const cut = records.slice(1).filter((record) => record.keyId === key.id);
    expect(cut).toHaveLength(late + early);
    // The gateway's estimate (a token for each digit of word0 … word399, four letters or spaces a token).
    const estimate = (text: string) => Math.ceil(textLength(text) / CHARACTERS_PER_TOKEN);
    const fullOutputTokens = estimate(words);
    let deliveredTokens = 0;
    let deliveredCost = 0;
    for (const [index, record] of cut.entries()) {
      expect(record.status).toBe(499);
      // What the client received is a floor; the upstream may have sent a little more before the hang-up reached it.
      const delivered = estimate(results[index]!.text);
      expect(delivered).toBeGreaterThan(0);
      expect(record.usage?.outputTokens).toBeGreaterThanOrEqual(delivered);
      expect(record.usage?.outputTokens).toBeLessThan(fullOutputTokens);
      expect(record.usage?.inputTokens).toBeGreaterThan(0);
      expect(record.costUsd).toBeGreaterThan(0);
      deliveredTokens += delivered;
      deliveredCost += prices.cost('openai', 'gpt-4o-mini', { inputTokens: record.usage!.inputTokens, outputTokens: delivered }).costUsd;
    }
    const billedTokens = cut.reduce((sum, record) => sum + record.usage!.outputTokens, 0);
    const billedCost = cut.reduce((sum, record) => sum + record.costUsd, 0);
    const deliveredBytes = results.slice(0, late).reduce((sum, result) => sum + result.bytes, 0);
    console.info(
      `aborted streams: ${late} at ~90% (${(deliveredBytes / 1e6).toFixed(2)} MB delivered) + ${early} after 3 chunks; ` +
        `billed ${billedTokens} output tokens / $${billedCost.toFixed(6)} vs delivered estimate ${deliveredTokens} tokens / $${deliveredCost.toFixed(6)}`,
    );
    // Per stream the bill is within what was in flight when the client left: a few chunks.
    expect(billedTokens - deliveredTokens).toBeLessThan((late + early) * 20);

    // The budget settles to the same money as the ledger, and holds nothing afterwards.
    const budgets = gateway.gateway.runtime.storage!.budgets;
    const ledger = gateway.gateway.runtime.storage!.ledger;
    const expectedSpend = billedCost + records[0]!.costUsd;
    // Nothing is held once the key's budget grant idles out (budget_grants.idle_ms, 0.5 s by default).
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch), { timeout: 5_000 }).toBe(0);
    // The budget counts whole micro-dollars: each settlement rounds by at most half of one.
    expect(Math.abs((await budgets.spent(`key:${key.id}`, epoch)) - expectedSpend)).toBeLessThanOrEqual(records.length * 0.5e-6);
    await expect
      .poll(async () => (await ledger.query({ groupBy: 'key', keyId: key.id, from: epoch, to: '2999-01-01T00:00:00.000Z' }))[0]?.requests)
      .toBe(1 + late + early);
    const [row] = await ledger.query({ groupBy: 'key', keyId: key.id, from: epoch, to: '2999-01-01T00:00:00.000Z' });
    expect(row!.outputTokens).toBe(billedTokens + records[0]!.usage!.outputTokens);
    expect(row!.costUsd).toBeCloseTo(expectedSpend, 5);
    // Every cut stream was billed on the gateway's estimate, the one read to the end on the provider's count:
    // the usage report says how much of the spend rests on estimates.
    expect(row!.estimatedRequests).toBe(late + early);
    expect(row!.estimatedCostUsd).toBeCloseTo(billedCost, 5);
  }, 120_000);
});

describe('an Anthropic stream read to the end', () => {
  it('sends the client one usage chunk, with the final numbers, although message_start reported usage early', async () => {
    const upstream = await startMockAnthropic();
    const gateway = await startTestGateway({ providers: { anthropic: { api_key: 'sk-ant-test-abcdefgh', base_url: upstream.url } } });
    try {
      upstream.enqueue({ reply: { content: 'one two three four', usage: { prompt_tokens: 777, completion_tokens: 9 } } });
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'anthropic/claude-sonnet-4-5',
          stream: true,
          stream_options: { include_usage: true },
          messages: [{ role: 'user', content: 'Hi' }],
        }),
      });
      const text = await response.text();
      const usages = text
        .split('\n')
        .filter((line) => line.startsWith('data: {'))
        .map((line) => (JSON.parse(line.slice(6)) as { usage?: { prompt_tokens: number; completion_tokens: number } | null }).usage)
        .filter((usage) => usage);
      expect(usages).toEqual([expect.objectContaining({ prompt_tokens: 777, completion_tokens: 9 })]);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});

describe.each([
  // Anthropic's message_start carries the prompt count; Gemini's every event's usageMetadata does.
  { provider: 'Anthropic', startUpstream: startMockAnthropic, model: 'anthropic/claude-sonnet-4-5', api_key: 'sk-ant-test-abcdefgh', cutAfterEvents: 6 },
  { provider: 'Gemini', startUpstream: startMockGemini, model: 'gemini/gemini-2.5-flash', api_key: 'AIza-cut-test-abcdefgh', cutAfterEvents: 1 },
])('a $provider stream cut mid-way', ({ startUpstream, model, api_key, cutAfterEvents }) => {
  it('is billed the real input tokens its first events gave, not an estimate', async () => {
    const upstream = await startUpstream();
    const providerId = model.slice(0, model.indexOf('/'));
    const gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), `switchyard-${providerId}-cut-`)) },
      providers: { [providerId]: { api_key, base_url: upstream.url } },
      storage: { use: 'sqlite' },
      usage: { flush_interval_ms: 50 },
    });
    try {
      const key = await createKey(gateway, 100);
      const { records, waitFor } = recordsOf(gateway);
      const content = Array.from({ length: 50 }, (_, index) => `token${index}`).join(' ');
      // The provider counts 4,321 prompt tokens (cached content, images); a chars/4 estimate of this prompt would be about 10.
      upstream.enqueue({ reply: { content, usage: { prompt_tokens: 4321 } }, stream: { cutAfterEvents } });
      const result = await streamAndHangUp(
        gateway.origin,
        key.secret,
        { model, stream: true, max_tokens: 500, messages: [{ role: 'user', content: 'Hi' }] },
        () => false,
      );
      expect(result.status).toBe(200);
      expect(result.text).not.toBe('');
      await waitFor(1);
      const record = records[0]!;
      expect(record.errorCode).toBeDefined();
      expect(record.usage?.inputTokens).toBe(4321);
      expect(record.usage?.outputTokens).toBeGreaterThanOrEqual(Math.ceil(textLength(result.text) / CHARACTERS_PER_TOKEN));
      expect(record.costUsd).toBeCloseTo(prices.cost(providerId, model.slice(providerId.length + 1), record.usage!).costUsd, 9);
      const budgets = gateway.gateway.runtime.storage!.budgets;
      await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
      expect(await budgets.spent(`key:${key.id}`, epoch)).toBeCloseTo(record.costUsd, 6);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
