import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builtInPlugins } from '@switchyard/cli';
import { createSteps, definePlugin, defineProvider, getContext, type ChatResponse, type RequestRecord, type SwitchyardSteps } from '@switchyard/core';
import { hashApiKey } from '@switchyard/policy-keys';
import { createRateLimitHandler, rateLimitOptionsSchema, type RateLimitOptions } from '@switchyard/policy-rate-limit';
import express from 'express';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

/**
 * An app's handler making one or several model calls in one request through the embedded
 * API (`createSteps().call`). The request keeps one ledger record, but what each call was
 * (answered from the cache or by a provider, counted by the provider or estimated) must
 * still show in that record and in the key's tokens per minute.
 */

/** An in-process model: `counted` reports its usage, `uncounted` reports none (the gateway estimates it). */
const terse = defineProvider({
  name: 'terse',
  optionsSchema: { type: 'object' },
  create: () => ({
    chat: {
      // A plugin's answer without a usage is checked like an upstream's and billed the estimate; the type says usage is required.
      complete: async (call) =>
        ({
          id: 'answer',
          model: call.model,
          created: 0,
          content: [{ type: 'text', text: 'a short answer' }],
          finishReason: { unified: 'stop' },
          ...(call.model === 'counted' && { usage: { inputTokens: 30, outputTokens: 6 } }),
        }) as ChatResponse,
      stream: () => {
        throw new Error('not used');
      },
    },
  }),
});

/** The rate-limit step on a clock that never moves: tokens charged stay charged, none drip back while the test runs. */
const heldClockRateLimit = definePlugin<RateLimitOptions>({
  name: 'rate-limit',
  optionsSchema: rateLimitOptionsSchema,
  create: (options, runtime) => createRateLimitHandler(options, runtime, { clock: () => 1_000_000 }),
});

const secret = 'sy-embedded-calls-key-0123456789abcdef';
const tpm = 100_000;
const dirs: string[] = [];
const opened: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of opened.splice(0)) await close();
});
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

interface CallsAnswer {
  /** The key's tokens left when each call was let through (after its reservation). */
  remaining: number[];
}

/**
 * An app whose handler makes the calls a request lists. `rate-limit` and `cache` are not
 * mounted on the route, so they run for each call (as `call()` documents).
 */
async function appMakingCalls(): Promise<{ ask(calls: Array<{ model: string; content: string }>): Promise<{ answer: CallsAnswer; record: RequestRecord }> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-embedded-calls-'));
  dirs.push(dir);
  const switchyard: SwitchyardSteps = await createSteps(
    {
      providers: { terse: {} },
      prices: { 'terse/*': { input: 1, output: 2 } },
      storage: { use: 'sqlite' },
      server: { data_dir: dir },
      chain: ['auth', 'key-scope', { 'rate-limit': { store: { use: 'memory' } } }, { cache: {} }, 'route'],
      log: { level: 'silent' },
    },
    { plugins: [...builtInPlugins.filter((plugin) => plugin.pluginName !== 'rate-limit'), heldClockRateLimit, terse] },
  );
  await switchyard.runtime.storage!.keys.create(
    { name: 'calls', scope: { tpm, budget: { limitUsd: 10, period: 'total' } } },
    { hash: hashApiKey(secret), prefix: secret.slice(0, 7) },
  );
  const records: RequestRecord[] = [];
  switchyard.runtime.onRequestFinished((record) => records.push(record));
  const app = express();
  // A chat route (the cache keeps chat answers only): the body is a chat request, with the calls to make beside it.
  app.post('/api/calls', express.json(), switchyard.context({ endpoint: 'chat' }), switchyard.step('auth'), switchyard.step('key-scope'), async (req, res, next) => {
    try {
      const remaining: number[] = [];
      for (const { model, content } of (req.body as { calls: Array<{ model: string; content: string }> }).calls) {
        await switchyard.call(res, { model, max_tokens: 20, messages: [{ role: 'user', content }] });
        remaining.push(Number(getContext(res).responseHeaders.get('x-ratelimit-remaining-tokens')));
      }
      res.json({ remaining } satisfies CallsAnswer);
    } catch (error) {
      next(error);
    }
  });
  app.use(switchyard.errorHandler());
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/calls`;
  opened.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await switchyard.close();
  });
  return {
    async ask(calls) {
      const seen = records.length;
      const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'terse/counted', messages: [{ role: 'user', content: 'x' }], calls }) });
      expect(response.status).toBe(200);
      const answer = (await response.json()) as CallsAnswer;
      await expect.poll(() => records.length).toBe(seen + 1);
      return { answer, record: records[seen]! };
    },
  };
}

describe('an app making calls through the embedded API (createSteps().call)', () => {
  it('a call answered without a usage is billed the estimate and its record says so, alone or after a counted call', async () => {
    const app = await appMakingCalls();
    const alone = await app.ask([{ model: 'terse/uncounted', content: 'how are you' }]);
    expect(alone.record.usage!.inputTokens).toBeGreaterThan(0);
    expect(alone.record.usageEstimated).toBe(true);

    const afterCounted = await app.ask([
      { model: 'terse/counted', content: 'first, counted' },
      { model: 'terse/uncounted', content: 'then not' },
    ]);
    expect(afterCounted.record.usageEstimated).toBe(true);

    const counted = await app.ask([{ model: 'terse/counted', content: 'counted alone' }]);
    expect(counted.record.usage).toMatchObject({ inputTokens: 30, outputTokens: 6 });
    expect(counted.record.usageEstimated).toBe(false);
  });

  it("two calls in one request are charged their tokens once on the key's tpm, not each call the whole request's", async () => {
    const app = await appMakingCalls();
    const first = await app.ask([
      { model: 'terse/counted', content: 'same question' },
      { model: 'terse/counted', content: 'another question' },
    ]);
    expect(first.record.usage).toMatchObject({ inputTokens: 60, outputTokens: 12 });
    // The same call again (answered from the cache, but reserved before it): what it reserves is what the first call reserved.
    const reserved = tpm - first.answer.remaining[0]!;
    const next = await app.ask([{ model: 'terse/counted', content: 'same question' }]);
    expect(next.answer.remaining[0]).toBe(tpm - 72 - reserved);
  });

  it('a cache hit then a miss in one request: the record is no cache hit, and the miss is charged on tpm', async () => {
    const app = await appMakingCalls();
    const stored = await app.ask([{ model: 'terse/counted', content: 'shared question' }]);
    expect(stored.record.cacheHit).toBe(false);
    const reserved = tpm - stored.answer.remaining[0]!;
    const mixed = await app.ask([
      { model: 'terse/counted', content: 'shared question' },
      { model: 'terse/counted', content: 'a question of its own' },
    ]);
    // A provider was called for this request: it was not served from the cache.
    expect(mixed.record.cacheHit).toBe(false);
    expect(mixed.record.costUsd).toBeGreaterThan(0);
    // Charged so far: the first request's 36 tokens and the miss's 36; the hit gives its reservation back.
    const after = await app.ask([{ model: 'terse/counted', content: 'shared question' }]);
    expect(after.answer.remaining[0]).toBe(tpm - 36 - 36 - reserved);
    expect(after.record.cacheHit).toBe(true);
  });
});
