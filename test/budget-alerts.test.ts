import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '@switchyard/core';
import { budgetAlertEventId, budgetWindowStart, verifyWebhookSignature, type BudgetAlertEvent } from '@switchyard/policy-keys';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebhookReceiver } from '../plugins/policy-keys/test/support/webhook-receiver.js';
import { midWindow, runMidWindow } from './support/mid-window-clock.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const webhookSecret = 'whsec-e2e-secret-0123456789abcdef';

let gateway: TestGateway | undefined;
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await gateway?.close();
  await receiver?.close();
  gateway = undefined;
  receiver = undefined;
  vi.useRealTimers();
});

/**
 * A gateway whose every chat request with `max_tokens: 1` costs exactly $1: input
 * tokens are free and the one output token costs $1 (1e6 per million), so budgets in
 * whole dollars are crossed at known requests.
 */
async function start(keyScope: Record<string, unknown>, webhook: Record<string, unknown> = {}): Promise<TestGateway> {
  runMidWindow(); // the windows below are computed for midWindow, and so are the gateway's
  receiver = await new WebhookReceiver().start();
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-alerts-')) },
    providers: { mock: { use: 'mock' } },
    prices: { 'mock/echo': { input: 0, output: 1_000_000 } },
    storage: { use: 'sqlite' },
    chain: [
      'auth',
      { 'key-scope': { ...keyScope, alerts: { webhooks: [{ name: 'ops', url: receiver.url, secret: webhookSecret, ...webhook }], backoff_ms: 10, flush_timeout_ms: 2000 } } },
      'route',
      'adapter',
    ],
  });
  return gateway;
}

async function createKey(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const response = await fetch(`${gateway!.origin}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'alerts', ...body }),
  });
  expect(response.status).toBe(201);
  const created = (await response.json()) as { key: { id: string }; secret: string };
  return { id: created.key.id, secret: created.secret };
}

async function chat(secret: string, maxTokens = 1): Promise<number> {
  const response = await fetch(`${gateway!.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hello there' }], max_tokens: maxTokens }),
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Sends until a 429, waiting for each settlement so the next reservation sees it, and
 * (`alertsAfter`: request number → alerts by then) for the alerts a request must
 * cause, so each alert reads the spend its own request left. Returns the statuses.
 */
async function spendUntilRefused(secret: string, owner: string, windowStart: string, alertsAfter: Record<number, number> = {}): Promise<number[]> {
  const budgets = gateway!.gateway.runtime.storage!.budgets;
  const statuses: number[] = [];
  for (let i = 1; i <= 20; i++) {
    const status = await chat(secret);
    statuses.push(status);
    if (status === 429) break;
    await expect.poll(() => budgets.reserved(owner, windowStart)).toBe(0);
    if (alertsAfter[i] !== undefined) await receiver!.waitFor(alertsAfter[i]!);
  }
  return statuses;
}

function events(): BudgetAlertEvent[] {
  return receiver!.received.map((request) => JSON.parse(request.rawBody) as BudgetAlertEvent);
}

async function samples(): Promise<Map<string, number>> {
  const text = await (await fetch(`${gateway!.origin}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(switchyard_(?:budget_alerts|alert_deliveries)_total\{[^}]*\}) (\S+)$/.exec(line);
    if (match) values.set(match[1]!, Number(match[2]));
  }
  return values;
}

describe('budget alert webhooks', () => {
  it('a key crossing its threshold and then its limit sends exactly two signed events, counted exactly', async () => {
    await start({});
    const key = await createKey({ scope: { budget: { limit_usd: 4, period: 'daily', alert_threshold: 0.5 } } });
    const windowStart = budgetWindowStart('daily', new Date(midWindow));
    const statuses = await spendUntilRefused(key.secret, `key:${key.id}`, windowStart, { 2: 1, 4: 2 });
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    // More refusals in the same window announce nothing new.
    expect(await chat(key.secret)).toBe(429);
    expect(await chat(key.secret)).toBe(429);
    await receiver!.waitFor(2);
    await gateway!.close(); // flushes the queue: anything still to come would be sent now

    expect(receiver!.received).toHaveLength(2);
    for (const request of receiver!.received) {
      expect(verifyWebhookSignature(webhookSecret, request.headers['x-switchyard-signature'] as string, request.rawBody)).toBe(true);
      expect(request.rawBody).not.toContain(key.secret);
    }
    const [threshold, limit] = events();
    const windowEnd = new Date(Date.parse(windowStart) + 86_400_000).toISOString();
    expect(threshold).toMatchObject({
      id: budgetAlertEventId('budget.threshold_crossed', `key:${key.id}`, windowStart),
      type: 'budget.threshold_crossed',
      owner: { kind: 'key', id: key.id },
      window: { period: 'daily', start: windowStart, end: windowEnd },
      limit_usd: 4,
      spent_usd: 2,
      threshold: 0.5,
      trigger: 'settlement',
    });
    expect(limit).toMatchObject({ type: 'budget.limit_reached', owner: { kind: 'key', id: key.id }, spent_usd: 4, limit_usd: 4, trigger: 'settlement' });
    expect(limit!.id).toBe(budgetAlertEventId('budget.limit_reached', `key:${key.id}`, windowStart));
    expect(Date.parse(limit!.occurred_at)).not.toBeNaN();
  });

  it('metrics count each alert and delivery exactly, and the secret stays out of the logs', async () => {
    await start({});
    const key = await createKey({ scope: { budget: { limit_usd: 2, period: 'total', alert_threshold: 0.5 } } });
    expect(await spendUntilRefused(key.secret, `key:${key.id}`, new Date(0).toISOString(), { 1: 1, 2: 2 })).toEqual([200, 200, 429]);
    await receiver!.waitFor(2);
    await expect.poll(async () => (await samples()).get('switchyard_alert_deliveries_total{webhook="ops",result="delivered"}')).toBe(2);
    const values = await samples();
    expect(values.get('switchyard_budget_alerts_total{owner_kind="key",event="budget.threshold_crossed"}')).toBe(1);
    expect(values.get('switchyard_budget_alerts_total{owner_kind="key",event="budget.limit_reached"}')).toBe(1);
    expect([...values.keys()].filter((name) => name.startsWith('switchyard_alert_deliveries_total'))).toEqual([
      'switchyard_alert_deliveries_total{webhook="ops",result="delivered"}',
    ]);
    const logs = gateway!.logLines.join('\n');
    expect(logs).toContain('budget alert');
    expect(logs).not.toContain(webhookSecret);
    expect(logs).not.toContain(key.secret);
  });

  it('team and project budgets send their own events; a refusal for a spent budget counts as limit reached', async () => {
    await start({
      budgets: {
        teams: { research: { limit_usd: 3.5, period: 'total', alert_threshold: 0.5 } },
        projects: { search: { limit_usd: 100, period: 'monthly', alert_threshold: 0.02 } },
      },
    });
    const key = await createKey({ team: 'research', project: 'search' });
    const epoch = new Date(0).toISOString();
    // $1 each: the team's threshold ($1.75) falls at the 2nd, the project's ($2) at the 2nd; the 4th cannot fit in $3.5.
    expect(await spendUntilRefused(key.secret, 'team:research', epoch, { 2: 2 })).toEqual([200, 200, 200, 429]);
    await receiver!.waitFor(3);
    await gateway!.close();
    const received = events();
    const summary = received.map((event) => `${event.owner.kind}:${event.owner.id} ${event.type} ${event.trigger} ${event.spent_usd}`).sort();
    expect(summary).toEqual([
      'project:search budget.threshold_crossed settlement 2',
      'team:research budget.limit_reached refusal 3',
      'team:research budget.threshold_crossed settlement 2',
    ]);
    const project = received.find((event) => event.owner.kind === 'project')!;
    expect(project.window.period).toBe('monthly');
    expect(project.window.start).toBe(budgetWindowStart('monthly', new Date(midWindow)));
    expect(received.find((event) => event.owner.kind === 'team')!.window.end).toBeNull();
  });

  it('a key put over its budget by a lower limit sends limit reached on its first refusal, once a window', async () => {
    await start({});
    const key = await createKey({ scope: { budget: { limit_usd: 5, period: 'daily' } } });
    const budgets = gateway!.gateway.runtime.storage!.budgets;
    const windowStart = budgetWindowStart('daily', new Date(midWindow));
    for (let i = 0; i < 2; i++) {
      expect(await chat(key.secret)).toBe(200);
      await expect.poll(() => budgets.reserved(`key:${key.id}`, windowStart)).toBe(0);
    }
    const lowered = await fetch(`${gateway!.origin}/admin/keys/${key.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scope: { budget: { limit_usd: 1.5 } } }),
    });
    expect(lowered.status).toBe(200);
    expect(await chat(key.secret)).toBe(429);
    expect(await chat(key.secret)).toBe(429);
    await receiver!.waitFor(1);
    await gateway!.close();
    expect(events().map((event) => `${event.type} ${event.trigger} ${event.spent_usd} of ${event.limit_usd}`)).toEqual(['budget.limit_reached refusal 2 of 1.5']);
  });

  it('a refusal made by the holds of requests in flight sends no limit reached; the spend reaching the limit does', async () => {
    await start({});
    const key = await createKey({ scope: { budget: { limit_usd: 3, period: 'total' } } });
    // Three calls at $1 each, answered after 500 ms: while they run, they hold the whole $3 and nothing is spent.
    const slow = Array.from({ length: 3 }, () =>
      fetch(`${gateway!.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
        body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hello' }], max_tokens: 1, provider_options: { mock: { latency_ms: 500 } } }),
      }).then(async (response) => (await response.arrayBuffer(), response.status)),
    );
    await expect.poll(() => gateway!.gateway.runtime.storage!.budgets.reserved(`key:${key.id}`, new Date(0).toISOString())).toBe(3);
    expect(await chat(key.secret)).toBe(429);
    expect(await Promise.all(slow)).toEqual([200, 200, 200]);
    await receiver!.waitFor(1);
    await gateway!.close();
    expect(events().map((event) => `${event.type} ${event.trigger} ${event.spent_usd} of ${event.limit_usd}`)).toEqual(['budget.limit_reached settlement 3 of 3']);
  });

  it('a request bigger than the whole budget is refused without a limit-reached event', async () => {
    await start({});
    const key = await createKey({ scope: { budget: { limit_usd: 5, period: 'total', alert_threshold: 0.5 } } });
    expect(await chat(key.secret, 50)).toBe(429); // at most $50 cannot fit a $5 budget, however little is spent
    expect(await chat(key.secret)).toBe(200);
    await gateway!.close();
    expect(receiver!.received).toHaveLength(0);
  });

  it('a $0 budget (a key that may spend nothing) sends limit reached on its first refusal, once a window', async () => {
    await start({ budgets: { teams: { frozen: { limit_usd: 0, period: 'monthly' } } } });
    const key = await createKey({ scope: { budget: { limit_usd: 0, period: 'daily', alert_threshold: 0.5 } } });
    expect(await chat(key.secret)).toBe(429);
    expect(await chat(key.secret)).toBe(429);
    const teamKey = await createKey({ team: 'frozen' });
    expect(await chat(teamKey.secret)).toBe(429);
    await receiver!.waitFor(2);
    await gateway!.close();
    const described = events().map((event) => `${event.owner.kind} ${event.type} ${event.trigger} ${event.spent_usd} of ${event.limit_usd}`);
    expect(described.sort()).toEqual(['key budget.limit_reached refusal 0 of 0', 'team budget.limit_reached refusal 0 of 0']);
  });

  it('a webhook URL that does not parse is refused at start, naming where it is and not what it is', async () => {
    const url = 'https://[::1/hook?token=do-not-echo-me';
    const error = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-alerts-')) },
      providers: { mock: { use: 'mock' } },
      chain: ['auth', { 'key-scope': { alerts: { webhooks: [{ url, secret: webhookSecret }] } } }, 'route', 'adapter'],
    }).then(
      () => undefined,
      (reason: unknown) => reason as ConfigError,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([{ path: '/chain/1/key-scope/alerts/webhooks/0/url', message: 'is not a valid http or https URL' }]);
    expect(error!.formatLines().join('\n')).not.toContain('do-not-echo-me');
  });

  // undici sends no Authorization from a URL's user:password@: the receiver got the events without them.
  it('a webhook URL with user:password@ is refused at start, the password not quoted', async () => {
    const error = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-alerts-')) },
      providers: { mock: { use: 'mock' } },
      chain: ['auth', { 'key-scope': { alerts: { webhooks: [{ url: 'https://alerts:do-not-echo-me@hooks.example.com/in', secret: webhookSecret }] } } }, 'route', 'adapter'],
    }).then(
      () => undefined,
      (reason: unknown) => reason as ConfigError,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([
      { path: '/chain/1/key-scope/alerts/webhooks/0/url', message: 'holds a user name or password (user:password@), which is never sent: a receiver checks the signature made with secret' },
    ]);
    expect(error!.formatLines().join('\n')).not.toContain('do-not-echo-me');
  });

  it('a receiver that hangs does not hold up requests', async () => {
    await start({}, { timeout_ms: 60_000 });
    receiver!.fallback = 'hang';
    const key = await createKey({ scope: { budget: { limit_usd: 100, period: 'total', alert_threshold: 0.01 } } });
    expect(await chat(key.secret)).toBe(200); // crosses $1 = 1%: an event goes out after it settled
    await receiver!.waitFor(1);
    expect(receiver!.hangingCount).toBe(1);
    // The webhook is stuck; requests go on being served meanwhile.
    const statuses = await Promise.all([chat(key.secret), chat(key.secret), chat(key.secret)]);
    expect(statuses).toEqual([200, 200, 200]);
    expect(receiver!.hangingCount).toBe(1);
    expect(receiver!.received).toHaveLength(1);
    // Closing is bounded by flush_timeout_ms, and the delivery it gave up on is counted.
    await gateway!.close();
    expect(receiver!.received).toHaveLength(1);
    const deliveries = await gateway!.gateway.runtime.metrics.registry.getSingleMetric('switchyard_alert_deliveries_total')!.get();
    expect(deliveries.values.map((value) => [value.labels.result, value.value])).toEqual([['dropped', 1]]);
  });
});
