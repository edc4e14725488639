import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { budgetAlertEventId, budgetWindowStart, type BudgetAlertEvent } from '@switchyard/policy-keys';
import { findPostgres, freshSchemaName } from '@switchyard/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { WebhookReceiver } from '../plugins/policy-keys/test/support/webhook-receiver.js';
import { midWindow, runMidWindow } from './support/mid-window-clock.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const postgres = await findPostgres();
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  vi.useRealTimers();
});

describe.skipIf(!postgres.available)('budget alerts from two instances sharing PostgreSQL', () => {
  it('each instance may send a crossing once; both send the same event id, so the receiver dedups to one per (owner, window, type)', async () => {
    runMidWindow(); // the window below is computed for midWindow, and so are the gateways'
    const receiver = await new WebhookReceiver().start();
    cleanups.push(() => receiver.close());
    const schema = freshSchemaName();
    const start = async (): Promise<TestGateway> => {
      const gateway = await startTestGateway({
        server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-alerts-pg-')) },
        providers: { mock: { use: 'mock' } },
        // Each request with max_tokens 1 costs exactly $1 (free input, $1 output token).
        prices: { 'mock/echo': { input: 0, output: 1_000_000 } },
        storage: { use: 'postgres', url: (postgres as { url: string }).url, schema },
        chain: [
          'auth',
          { 'key-scope': { alerts: { webhooks: [{ name: 'ops', url: receiver.url, secret: 'whsec-two-instances-0123456789' }], backoff_ms: 10 } } },
          'route',
          'adapter',
        ],
      });
      cleanups.push(() => gateway.close());
      return gateway;
    };
    const first = await start();
    const second = await start();
    const created = await fetch(`${first.origin}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'shared', scope: { budget: { limit_usd: 4, period: 'monthly', alert_threshold: 0.5 } } }),
    });
    const { key, secret } = (await created.json()) as { key: { id: string }; secret: string };
    const owner = `key:${key.id}`;
    const windowStart = budgetWindowStart('monthly', new Date(midWindow));
    const budgets = first.gateway.runtime.storage!.budgets;
    const chat = async (gateway: TestGateway) => {
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }),
      });
      await response.arrayBuffer();
      await expect.poll(() => budgets.reserved(owner, windowStart)).toBe(0);
      return response.status;
    };
    // $1, $2 (second notices the threshold), $3 (first notices it too), $4 (second: limit), refused on first (limit).
    // Each alert is awaited before the next request, so every instance reads the spend its own request left.
    const statuses = [await chat(first)];
    for (const [gateway, alertsSoFar] of [[second, 1], [first, 2], [second, 3], [first, 4]] as const) {
      statuses.push(await chat(gateway));
      await receiver.waitFor(alertsSoFar);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    await first.close();
    await second.close();

    const events = receiver.received.map((request) => JSON.parse(request.rawBody) as BudgetAlertEvent);
    expect(events.map((event) => `${event.type} ${event.trigger} ${event.spent_usd}`)).toEqual([
      'budget.threshold_crossed settlement 2',
      'budget.threshold_crossed settlement 3',
      'budget.limit_reached settlement 4',
      'budget.limit_reached refusal 4',
    ]);
    const ids = [...new Set(events.map((event) => event.id))];
    expect(ids).toEqual([budgetAlertEventId('budget.threshold_crossed', owner, windowStart), budgetAlertEventId('budget.limit_reached', owner, windowStart)]);
  });
});
