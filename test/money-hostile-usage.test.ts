import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestRecord } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durableStores } from './support/budget-store-cases.js';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const epoch = new Date(0).toISOString();
const farFuture = '2999-01-01T00:00:00.000Z';

/** Usage objects as raw JSON text: what a hostile or broken upstream may write where OpenAI writes its counts. */
const hostileUsages: Array<[string, string | undefined]> = [
  ['negative', '{"prompt_tokens":-500000,"completion_tokens":-7,"total_tokens":-500007}'],
  ['1e309', '{"prompt_tokens":1e309,"completion_tokens":1e309,"total_tokens":1e309}'],
  ['NaN as text', '{"prompt_tokens":"NaN","completion_tokens":"NaN","total_tokens":"NaN"}'],
  ['digits with junk', '{"prompt_tokens":"12abc","completion_tokens":"3e2","total_tokens":"x"}'],
  ['fractions', '{"prompt_tokens":0.5,"completion_tokens":2.25,"total_tokens":2.75}'],
  ['objects', '{"prompt_tokens":{},"completion_tokens":[],"total_tokens":null}'],
  ['the largest safe count', '{"prompt_tokens":9007199254740991,"completion_tokens":9007199254740991,"total_tokens":9007199254740991}'],
  ['past 2^53', '{"prompt_tokens":9007199254740993,"completion_tokens":1e20,"total_tokens":1e20}'],
  ['missing', undefined],
];

function wholeAnswer(usage: string | undefined): string {
  const usagePart = usage === undefined ? '' : `,"usage":${usage}`;
  return `{"id":"chatcmpl-h","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"four words of answer"},"finish_reason":"stop"}]${usagePart}}`;
}

function streamedAnswer(usage: string | undefined): string {
  const chunk = (delta: string, finish: string | null) =>
    `data: {"id":"chatcmpl-h","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":${delta},"finish_reason":${finish}}]}\n\n`;
  const usageChunk = usage === undefined ? '' : `data: {"id":"chatcmpl-h","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":${usage}}\n\n`;
  return chunk('{"role":"assistant","content":"four words"}', 'null') + chunk('{"content":" of answer"}', '"stop"') + usageChunk + 'data: [DONE]\n\n';
}

const stores = await durableStores();
const cases = stores.flatMap(([store, storage]) => [true, false].map((fastPath) => ({ store, storage, fastPath })));

/** The usage an OpenAI client reads: the answer's, or the last stream chunk's. */
function clientUsage(text: string, stream: boolean): unknown {
  if (!stream) return (JSON.parse(text) as { usage?: unknown }).usage;
  const chunks = text.split('\n\n').filter((block) => block.startsWith('data: {')).map((block) => JSON.parse(block.slice(6)) as { usage?: unknown });
  return chunks.findLast((chunk) => chunk.usage)?.usage;
}

describe.each(cases)('hostile usage counts on a budgeted key ($store, server.fast_path $fastPath)', ({ storage, fastPath }) => {
  let upstream: MockOpenAI;
  let gateway: TestGateway;
  const records: RequestRecord[] = [];

  beforeAll(async () => {
    upstream = await startMockOpenAI();
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-money-hostile-')), fast_path: fastPath },
      providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } },
      prices: { 'openai/gpt-4o-mini': { input: 1, output: 2 } },
      storage: storage(),
      usage: { flush_interval_ms: 20 },
    });
    gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('each answer leaves one finite record, the budget pays what the ledger records, and nothing stays held', async () => {
    const key = await createBudgetedKey(gateway, 1000, 'hostile-usage');
    let sent = 0;
    for (const [name, usage] of hostileUsages) {
      for (const stream of [false, true]) {
        upstream.enqueue(
          stream
            ? { body: streamedAnswer(usage), headers: { 'content-type': 'text/event-stream' } }
            : { body: wholeAnswer(usage), headers: { 'content-type': 'application/json' } },
        );
        const response = await fetch(`${gateway.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
          body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'count me' }], max_tokens: 50, stream, ...(stream && { stream_options: { include_usage: true } }) }),
        });
        const text = await response.text();
        sent++;
        expect(response.status, `${name} (stream ${stream}): ${text.slice(0, 200)}`).toBe(200);
        // The client reads the counts the record bills, in numbers, whatever the upstream wrote.
        await expect.poll(() => records.filter((record) => record.keyId === key.id).length).toBe(sent);
        const billed = records.filter((record) => record.keyId === key.id).at(-1)!.usage!;
        expect(clientUsage(text, stream), `${name} (stream ${stream})`).toMatchObject({
          prompt_tokens: billed.inputTokens,
          completion_tokens: billed.outputTokens,
          total_tokens: billed.inputTokens + billed.outputTokens,
        });
      }
    }

    await expect.poll(() => records.filter((record) => record.keyId === key.id).length).toBe(sent);
    const mine = records.filter((record) => record.keyId === key.id);
    for (const record of mine) {
      const { inputTokens, outputTokens } = record.usage!;
      expect(Number.isSafeInteger(inputTokens) && inputTokens >= 0, `input tokens ${inputTokens}`).toBe(true);
      expect(Number.isSafeInteger(outputTokens) && outputTokens >= 0, `output tokens ${outputTokens}`).toBe(true);
      expect(Number.isFinite(record.costUsd) && record.costUsd >= 0, `cost ${record.costUsd}`).toBe(true);
    }

    const { budgets, ledger } = gateway.gateway.runtime.storage!;
    const owner = `key:${key.id}`;
    await expect.poll(() => budgets.reserved(owner, epoch)).toBe(0);
    await expect.poll(async () => (await ledger.query({ groupBy: 'key', from: epoch, to: farFuture, keyId: key.id }))[0]?.requests).toBe(sent);
    const [row] = await ledger.query({ groupBy: 'key', from: epoch, to: farFuture, keyId: key.id });
    const spent = await budgets.spent(owner, epoch);
    expect(Number.isFinite(row!.costUsd)).toBe(true);
    expect(Number.isFinite(spent)).toBe(true);
    // What the budget was paid is what the ledger says the key spent, to the micro-dollar.
    expect(Math.round(spent * 1e6)).toBe(Math.round(row!.costUsd * 1e6));
  });
});
