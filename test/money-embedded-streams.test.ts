import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builtInPlugins } from '@switchyard/cli';
import { createSteps, defineProvider, GatewayError, type RequestRecord, type StreamPart, type SwitchyardSteps } from '@switchyard/core';
import { hashApiKey } from '@switchyard/policy-keys';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * An app streaming a model call through the embedded API (`createSteps().stream`) whose
 * stream ends before the provider's final usage: the upstream breaks off mid-way, or the
 * app stops reading. The provider billed the prompt and what it generated, so the
 * request is billed the gateway's estimate of them, as the gateway's own routes bill a
 * cut stream: before, such a call recorded no usage at all and cost $0, in the ledger
 * and the budget alike.
 */

const streamed = 'partial words of an answer that never finished';

/** An in-process model: `breaks` fails after two deltas, `endless` never ends (the app stops reading), `whole` ends with its usage. */
const unsteady = defineProvider({
  name: 'unsteady',
  optionsSchema: { type: 'object' },
  create: () => ({
    chat: {
      complete: () => Promise.reject(new Error('streams only')),
      async *stream(call): AsyncGenerator<StreamPart> {
        yield { type: 'stream-start', id: 's', model: call.model, created: 0 };
        // What Anthropic's message_start reports: the prompt's real count, the output so far.
        yield { type: 'usage', usage: { inputTokens: 40, outputTokens: 1 }, partial: true };
        yield { type: 'text-delta', delta: streamed.slice(0, 20) };
        yield { type: 'text-delta', delta: streamed.slice(20) };
        if (call.model === 'breaks') throw new GatewayError('upstream_server_error', 'The upstream broke off.');
        if (call.model === 'whole') {
          yield { type: 'finish', finishReason: { unified: 'stop' } };
          yield { type: 'usage', usage: { inputTokens: 40, outputTokens: 11 } };
          return;
        }
        for (;;) yield { type: 'text-delta', delta: ' more' };
      },
    },
  }),
});

const secret = 'sy-embedded-streams-key-0123456789abcdef';
const epoch = new Date(0).toISOString();
let dir: string;
let switchyard: SwitchyardSteps;
let server: ReturnType<express.Express['listen']>;
let url: string;
let keyId: string;
const records: RequestRecord[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'switchyard-embedded-streams-'));
  switchyard = await createSteps(
    {
      providers: { unsteady: {} },
      prices: { 'unsteady/*': { input: 1000, output: 1000 } },
      storage: { use: 'sqlite' },
      server: { data_dir: dir },
      chain: ['auth', 'key-scope', 'route'],
      log: { level: 'silent' },
    },
    { plugins: [...builtInPlugins, unsteady] },
  );
  const created = await switchyard.runtime.storage!.keys.create(
    { name: 'streams', scope: { budget: { limitUsd: 10, period: 'total' } } },
    { hash: hashApiKey(secret), prefix: secret.slice(0, 7) },
  );
  keyId = created.id;
  switchyard.runtime.onRequestFinished((record) => records.push(record));
  const app = express();
  app.post('/api/stream', express.json(), switchyard.step('auth'), switchyard.step('key-scope'), async (req, res) => {
    const model = (req.body as { model: string }).model;
    let text = '';
    try {
      for await (const part of await switchyard.stream(res, { model: `unsteady/${model}`, max_tokens: 100, messages: [{ role: 'user', content: 'tell me' }] })) {
        if (part.type === 'text-delta') text += part.delta;
        // The app has read enough of an answer that does not end.
        if (model === 'endless' && text.length >= streamed.length) break;
      }
      res.json({ text });
    } catch {
      res.status(502).json({ text });
    }
  });
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/stream`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await switchyard?.close();
  await rm(dir, { recursive: true, force: true });
});

async function streamOnce(model: string): Promise<{ status: number; record: RequestRecord }> {
  const seen = records.length;
  const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify({ model }) });
  await response.arrayBuffer();
  await expect.poll(() => records.length).toBe(seen + 1);
  return { status: response.status, record: records[seen]! };
}

describe('an embedded-API stream that ends before its final usage', () => {
  it.each([
    ['breaks', 'the upstream breaks off mid-way', 502],
    ['endless', 'the app stops reading', 200],
  ])('%s (%s): billed the prompt count reported and the estimate of what streamed, marked estimated; the budget pays the same', async (model, _why, status) => {
    const budgets = switchyard.runtime.storage!.budgets;
    const spentBefore = await budgets.spent(`key:${keyId}`, epoch);
    const { status: answered, record } = await streamOnce(model);
    expect(answered).toBe(status);
    // The prompt's 40 tokens as reported, and at least the 47 characters streamed, four to a token.
    expect(record.usage?.inputTokens).toBe(40);
    expect(record.usage!.outputTokens).toBeGreaterThanOrEqual(Math.ceil(streamed.length / 4));
    expect(record.usageEstimated).toBe(true);
    expect(record.costUsd).toBeCloseTo(switchyard.runtime.pricing.cost('unsteady', model, record.usage!), 12);
    expect(record.costUsd).toBeGreaterThan(0);
    await expect.poll(() => budgets.reserved(`key:${keyId}`, epoch)).toBe(0);
    expect((await budgets.spent(`key:${keyId}`, epoch)) - spentBefore).toBeCloseTo(record.costUsd, 6);
  });

  it('a stream read to its end is billed its final usage, not marked estimated', async () => {
    const { status, record } = await streamOnce('whole');
    expect(status).toBe(200);
    expect(record.usage).toMatchObject({ inputTokens: 40, outputTokens: 11 });
    expect(record.usageEstimated).toBe(false);
  });
});
