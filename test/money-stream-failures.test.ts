import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { estimatePromptTokens, type ChatRequest, type RequestRecord } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const epoch = new Date(0).toISOString();
const farFuture = '2999-01-01T00:00:00.000Z';
const primaryPrice = { input: 3, output: 7 };
const backupPrice = { input: 11, output: 13 };
const onceMore: ChatRequest = { model: 'x', stream: true, messages: [{ role: 'user', content: [{ type: 'text', text: 'once more' }] }] };

/**
 * Upstream failures on a budgeted key, each asserted end to end: one record per request,
 * priced at the deployment that served (or was cut), the budget paid exactly what the
 * ledger records, nothing left held, and no fallback once a stream has begun.
 */
describe.each([true, false])('upstream failures on a budgeted key (server.fast_path %s)', (fastPath) => {
  let primary: MockOpenAI;
  let backup: MockOpenAI;
  let gateway: TestGateway;
  const records: RequestRecord[] = [];

  beforeAll(async () => {
    primary = await startMockOpenAI();
    backup = await startMockOpenAI();
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-money-streams-')), fast_path: fastPath },
      providers: {
        primary: { use: 'openai', api_key: 'sk-test-primary-0123', base_url: primary.url },
        backup: { use: 'openai', api_key: 'sk-test-backup-01234', base_url: backup.url },
        // The primary upstream under a name of its own: a breaker no other test's calls count in.
        flaky: { use: 'openai', api_key: 'sk-test-flaky-012345', base_url: primary.url },
        early: { use: 'openai', api_key: 'sk-test-early-012345', base_url: primary.url },
      },
      models: {
        pair: { deployments: [{ target: 'primary/model-a' }], retries: { attempts: 1, backoff_ms: 1 }, fallbacks: ['backup-only'] },
        'breaker-pair': { deployments: [{ target: 'flaky/model-a' }], retries: { attempts: 1, backoff_ms: 1 }, fallbacks: ['backup-only'] },
        'early-pair': { deployments: [{ target: 'early/model-a' }], retries: { attempts: 1, backoff_ms: 1 }, fallbacks: ['backup-only'] },
        'backup-only': { deployments: [{ target: 'backup/model-b' }], retries: { attempts: 0 } },
      },
      prices: { 'primary/model-a': primaryPrice, 'flaky/model-a': primaryPrice, 'early/model-a': primaryPrice, 'backup/model-b': backupPrice },
      chain: [
        'auth',
        'key-scope',
        'rate-limit',
        // Opens for primary after two failures in a row, and stays open for the test (never for early).
        { 'circuit-breaker': { volume_threshold: 2, error_threshold_percentage: 50, reset_timeout_ms: 600_000, deployments: { 'early/model-a': { volume_threshold: 1000 } } } },
        'cache',
        'route',
        'adapter',
      ],
      storage: { use: 'sqlite' },
      usage: { flush_interval_ms: 20 },
    });
    gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
  });
  afterAll(async () => {
    await gateway?.close();
    await primary?.close();
    await backup?.close();
  });
  beforeEach(() => {
    primary.reset();
    backup.reset();
  });

  async function ask(secret: string, stream: boolean, content: string, model = 'pair'): Promise<{ status: number; text: string }> {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }], max_tokens: 40, stream, ...(stream && { stream_options: { include_usage: true } }) }),
    });
    return { status: response.status, text: await response.text().catch(() => '') };
  }

  /** The key's one record, once written, and the budget paid exactly what the ledger says, nothing held. */
  async function expectSettled(keyId: string, requests: number): Promise<RequestRecord[]> {
    await expect.poll(() => records.filter((record) => record.keyId === keyId).length).toBe(requests);
    const { budgets, ledger } = gateway.gateway.runtime.storage!;
    const owner = `key:${keyId}`;
    await expect.poll(() => budgets.reserved(owner, epoch)).toBe(0);
    await expect.poll(async () => (await ledger.query({ groupBy: 'key', from: epoch, to: farFuture, keyId }))[0]?.requests).toBe(requests);
    const [row] = await ledger.query({ groupBy: 'key', from: epoch, to: farFuture, keyId });
    expect(Math.round((await budgets.spent(owner, epoch)) * 1e6)).toBe(Math.round(row!.costUsd * 1e6));
    // Let the key's records settle into place before a later test reads its own.
    const mine = records.filter((record) => record.keyId === keyId);
    expect(mine.reduce((sum, record) => sum + record.costUsd, 0)).toBeCloseTo(row!.costUsd, 9);
    return mine;
  }

  const costAt = (price: { input: number; output: number }, usage: { inputTokens: number; outputTokens: number }) =>
    (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1e6;

  it.each([
    ['cut after two events (socket destroyed)', { cutAfterEvents: 2 }],
    ['an in-stream error after two events', { midStreamError: true, errorAfterEvents: 2 }],
  ] as const)('a stream that dies mid-way (%s) is billed what was generated, at its deployment, and not tried elsewhere', async (_name, stream) => {
    const key = await createBudgetedKey(gateway, 5, 'mid-stream');
    primary.enqueue({ reply: { content: 'one two three four five six seven eight nine ten eleven twelve' }, stream: { ...stream, chunkDelayMs: 5 } });
    const answer = await ask(key.secret, true, 'tell me a story');
    expect(answer.status).toBe(200);
    expect(answer.text).not.toContain('data: [DONE]');
    const [record] = await expectSettled(key.id, 1);
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(0);
    expect(record!.provider).toBe('primary');
    expect(record!.usage!.inputTokens).toBeGreaterThan(0);
    expect(record!.usage!.outputTokens).toBeGreaterThan(0);
    expect(record!.costUsd).toBeCloseTo(costAt(primaryPrice, record!.usage!), 12);
  });

  // A 200 cut before its first event had the prompt, which its provider bills (each attempt its estimate, at primary's
  // price); an error event instead of an answer bills nothing.
  it.each([
    ['cut before its first event', { cutAfterEvents: 0 }, 2],
    ['an error as its first event', { midStreamError: true, errorAfterEvents: 0 }, 0],
  ] as const)('a stream that fails before anything reached the client (%s) is tried again; billed the answer that served, and any cut 200', async (_name, stream, cutAttempts) => {
    const key = await createBudgetedKey(gateway, 5, 'before-first-byte');
    primary.enqueue(
      { reply: { content: 'never seen' }, stream },
      { reply: { content: 'never seen either' }, stream },
    );
    backup.enqueue({ reply: { content: 'from backup', usage: { prompt_tokens: 700, completion_tokens: 70 } }, stream: { chunkDelayMs: 1 } });
    const answer = await ask(key.secret, true, 'once more', 'early-pair');
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('data: [DONE]');
    const [record] = await expectSettled(key.id, 1);
    expect(primary.requests).toHaveLength(2);
    expect(backup.requests).toHaveLength(1);
    expect(record!.provider).toBe('backup');
    const cutPrompts = { inputTokens: cutAttempts * estimatePromptTokens(onceMore), outputTokens: 0 };
    expect(record!.usage).toMatchObject({ inputTokens: 700 + cutPrompts.inputTokens, outputTokens: 70 });
    expect(record!.usageEstimated ?? false).toBe(cutAttempts > 0);
    expect(record!.costUsd).toBeCloseTo(costAt(backupPrice, { inputTokens: 700, outputTokens: 70 }) + costAt(primaryPrice, cutPrompts), 12);
  });

  it.each([false, true])('429 then a retry that serves (stream %s): one record, the served answer priced once', async (stream) => {
    const key = await createBudgetedKey(gateway, 5, 'retried');
    primary.enqueue({ error: 'rate_limit', headers: { 'retry-after': '0' } }, { reply: { content: 'fine', usage: { prompt_tokens: 1000, completion_tokens: 100 } } });
    const answer = await ask(key.secret, stream, 'try again');
    expect(answer.status).toBe(200);
    const [record] = await expectSettled(key.id, 1);
    expect(primary.requests).toHaveLength(2);
    expect(record!.usage).toMatchObject({ inputTokens: 1000, outputTokens: 100 });
    expect(record!.costUsd).toBeCloseTo(costAt(primaryPrice, { inputTokens: 1000, outputTokens: 100 }), 12);
  });

  it('500 twice then the fallback, then the open breaker: each request billed once at the backup price, primary not called once open', async () => {
    const key = await createBudgetedKey(gateway, 5, 'fallback');
    primary.enqueue({ error: 'server_error' }, { error: 'server_error' });
    backup.enqueue({ reply: { content: 'from backup', usage: { prompt_tokens: 500, completion_tokens: 50 } } });
    expect((await ask(key.secret, false, 'first', 'breaker-pair')).status).toBe(200);
    expect(primary.requests).toHaveLength(2);
    // The breaker is open for primary now: the next request goes straight to the backup.
    backup.enqueue({ reply: { content: 'from backup again', usage: { prompt_tokens: 600, completion_tokens: 60 } }, stream: { chunkDelayMs: 1 } });
    expect((await ask(key.secret, true, 'second', 'breaker-pair')).status).toBe(200);
    expect(primary.requests).toHaveLength(2);
    expect(backup.requests).toHaveLength(2);
    const mine = await expectSettled(key.id, 2);
    expect(mine.map((record) => record.provider)).toEqual(['backup', 'backup']);
    expect(mine.map((record) => record.costUsd)).toEqual([
      expect.closeTo(costAt(backupPrice, { inputTokens: 500, outputTokens: 50 }), 12),
      expect.closeTo(costAt(backupPrice, { inputTokens: 600, outputTokens: 60 }), 12),
    ]);
  });
});
