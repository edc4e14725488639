import { createHmac } from 'node:crypto';
import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLogger } from '@switchyard/core';
import { Counter, Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { budgetAlertEventId, type BudgetAlertEvent, type BudgetAlertType } from '../src/alerts/budget-alert-event.js';
import { verifyWebhookSignature } from '../src/alerts/webhook-signature.js';
import { WebhookDispatcher, type WebhookDispatcherOptions, type WebhookTarget } from '../src/alerts/webhook-dispatcher.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const secret = 'whsec-test-0123456789abcdef';

/**
 * The verification recipe of docs/alerts.md, the page's own js block as a receiver pastes it
 * (it was a copy here, free to drift from the page): HMAC the timestamp, a dot and the raw
 * body; compare in constant time; refuse old timestamps.
 */
type Verify = (rawBody: string, header: string, key: string) => boolean;
async function loadDocumentedVerify(): Promise<Verify> {
  const page = readFileSync(fileURLToPath(new URL('../../../docs/alerts.md', import.meta.url)), 'utf8');
  const code = /^```js\n([\s\S]*?)^```$/m.exec(page)?.[1];
  expect(code, 'a js block in docs/alerts.md').toBeDefined();
  const folder = await mkdtemp(path.join(tmpdir(), 'switchyard-alerts-doc-'));
  await writeFile(path.join(folder, 'verify.mjs'), code!);
  const module = (await import(pathToFileURL(path.join(folder, 'verify.mjs')).href)) as { verifySwitchyardSignature: Verify };
  await rm(folder, { recursive: true, force: true });
  return module.verifySwitchyardSignature;
}

let receiver: WebhookReceiver;
let registry: Registry;
let deliveries: Counter<'webhook' | 'result'>;
let logLines: string[];
let dispatcher: WebhookDispatcher | undefined;
const started: WebhookDispatcher[] = [];
let sequence = 0;

beforeEach(async () => {
  receiver = await new WebhookReceiver().start();
  registry = new Registry();
  deliveries = new Counter({ name: 'switchyard_alert_deliveries_total', help: 'test', labelNames: ['webhook', 'result'], registers: [registry] });
  logLines = [];
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const each of started.splice(0)) await each.close(0);
  dispatcher = undefined;
  await receiver.close();
});

function target(overrides: Partial<WebhookTarget> = {}): WebhookTarget {
  return { name: 'ops', url: new URL(receiver.url), secret, events: undefined, timeoutMs: 2000, maxAttempts: 5, ...overrides };
}

function start(overrides: Partial<WebhookDispatcherOptions> = {}): WebhookDispatcher {
  dispatcher = new WebhookDispatcher({
    targets: [target()],
    maxQueue: 100,
    concurrency: 2,
    backoffMs: 10,
    maxBackoffMs: 50,
    logger: createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } }),
    deliveries,
    userAgent: 'switchyard-alerts/test',
    ...overrides,
  });
  started.push(dispatcher);
  return dispatcher;
}

function event(type: BudgetAlertType = 'budget.threshold_crossed'): BudgetAlertEvent {
  const owner = `key:key_${++sequence}`;
  return {
    id: budgetAlertEventId(type, owner, '2026-12-03T00:00:00.000Z'),
    type,
    occurred_at: new Date().toISOString(),
    owner: { kind: 'key', id: owner.slice(4) },
    window: { period: 'daily', start: '2026-12-03T00:00:00.000Z', end: '2026-12-04T00:00:00.000Z' },
    limit_usd: 10,
    spent_usd: 8.5,
    threshold: 0.8,
    trigger: 'settlement',
    delivery_id: `dlv_${sequence}`,
  };
}

async function counted(result: string): Promise<number> {
  const metric = await registry.getSingleMetric('switchyard_alert_deliveries_total')!.get();
  return metric.values.filter((value) => value.labels.result === result).reduce((sum, value) => sum + value.value, 0);
}

describe('webhook deliveries', () => {
  it('are signed: the documented recipe verifies them, a wrong secret or a changed body does not', async () => {
    const sent = event();
    start().enqueue(sent);
    await receiver.waitFor(1);
    const { headers, rawBody } = receiver.received[0]!;
    expect(headers['content-type']).toBe('application/json');
    expect(headers['user-agent']).toBe('switchyard-alerts/test');
    expect(headers['x-switchyard-event']).toBe('budget.threshold_crossed');
    expect(headers['x-switchyard-event-id']).toBe(sent.id);
    expect(JSON.parse(rawBody)).toEqual(sent);
    const signature = headers['x-switchyard-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const documentedVerify = await loadDocumentedVerify();
    expect(documentedVerify(rawBody, signature, secret)).toBe(true);
    expect(verifyWebhookSignature(secret, signature, rawBody)).toBe(true);
    expect(documentedVerify(rawBody, signature, 'whsec-wrong-0123456789abcdef')).toBe(false);
    expect(verifyWebhookSignature('whsec-wrong-0123456789abcdef', signature, rawBody)).toBe(false);
    expect(documentedVerify(rawBody.replace('8.5', '0.5'), signature, secret)).toBe(false);
    // A replay an hour later is refused by the timestamp check: a signature made an hour ago is.
    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    const old = `t=${hourAgo},v1=${createHmac('sha256', secret).update(`${hourAgo}.${rawBody}`).digest('hex')}`;
    expect(documentedVerify(rawBody, old, secret)).toBe(false);
    await expect.poll(() => counted('delivered')).toBe(1);
  });

  it('retry after a 500 until the receiver takes it, with the same body and event id', async () => {
    receiver.answers.push({ status: 500 }, { status: 503 });
    start().enqueue(event());
    await receiver.waitFor(3);
    await expect.poll(() => counted('delivered')).toBe(1);
    expect(await counted('retried')).toBe(2);
    expect(await counted('failed')).toBe(0);
    const bodies = new Set(receiver.received.map((request) => request.rawBody));
    expect(bodies.size).toBe(1);
    expect(new Set(receiver.received.map((request) => request.headers['x-switchyard-event-id'])).size).toBe(1);
  });

  it('give up after max_attempts on 5xx', async () => {
    receiver.fallback = { status: 502 };
    start({ targets: [target({ maxAttempts: 3 })] }).enqueue(event());
    await expect.poll(() => counted('failed')).toBe(1);
    await dispatcher!.close(1000);
    expect(receiver.received).toHaveLength(3);
    expect(await counted('retried')).toBe(2);
  });

  it('do not retry after a 400 (nor any 4xx other than 429)', async () => {
    receiver.answers.push({ status: 400 }, { status: 404 });
    const dispatch = start();
    dispatch.enqueue(event());
    dispatch.enqueue(event());
    await expect.poll(() => counted('failed')).toBe(2);
    await dispatch.close(1000);
    expect(receiver.received).toHaveLength(2);
    expect(await counted('retried')).toBe(0);
    expect(logLines.some((line) => line.includes('alert webhook delivery failed') && line.includes('"status":400'))).toBe(true);
  });

  it('wait as long as a 429 Retry-After asks', async () => {
    receiver.answers.push({ status: 429, headers: { 'retry-after': '1' } });
    const arrivals: number[] = [];
    const startedAt = Date.now();
    start({ maxBackoffMs: 5000 }).enqueue(event());
    await receiver.waitFor(1);
    arrivals.push(Date.now());
    await receiver.waitFor(2);
    arrivals.push(Date.now());
    await expect.poll(() => counted('delivered')).toBe(1);
    // Backoff alone would be ~10 ms; the receiver asked for a second.
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(950);
    expect(arrivals[0]! - startedAt).toBeLessThan(60_000);
  });

  it('cap a receiver\'s Retry-After at max_backoff_ms', async () => {
    receiver.answers.push({ status: 503, headers: { 'retry-after': '86400' } });
    start({ maxBackoffMs: 100 }).enqueue(event());
    // Honouring a day would never get here; the cap brings the retry in.
    await receiver.waitFor(2);
    await expect.poll(() => counted('delivered')).toBe(1);
  });

  it('time out an attempt the receiver never answers, and retry it', async () => {
    receiver.answers.push('hang');
    start({ targets: [target({ timeoutMs: 200 })] }).enqueue(event());
    await receiver.waitFor(2);
    await expect.poll(() => counted('delivered')).toBe(1);
    expect(await counted('retried')).toBe(1);
    expect(logLines.some((line) => line.includes('no answer within 200 ms'))).toBe(true);
  });

  it('give up an attempt whose connection never opens (a TLS handshake never answered) at its own timeout_ms, and close() at once', async () => {
    // A host that takes the connection and says nothing: connecting to https never ends.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket.on('error', () => {})));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentUrl = new URL(`https://127.0.0.1:${(silent.address() as { port: number }).port}/hook`);
    const outcome = (work: Promise<unknown>, withinMs: number) =>
      Promise.race([work.then(() => 'done'), new Promise((resolve) => setTimeout(() => resolve(`still waiting after ${withinMs} ms`), withinMs))]);
    try {
      // Beside it, a patient webhook: the connect timeout was the longest webhook's, for all of them.
      const dispatch = start({
        targets: [target({ name: 'quick', url: silentUrl, timeoutMs: 200, maxAttempts: 1 }), target({ name: 'patient', timeoutMs: 30_000 })],
      });
      dispatch.enqueue(event());
      expect(await outcome(expect.poll(() => counted('failed'), { timeout: 3000 }).toBe(1), 4000)).toBe('done');
      expect(logLines.some((line) => line.includes('no answer within 200 ms'))).toBe(true);
      // And close() cuts an attempt still connecting when its flush time is up.
      const stuck = start({ targets: [target({ name: 'quick', url: silentUrl, timeoutMs: 30_000 })] });
      stuck.enqueue(event());
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await outcome(stuck.close(100), 3000)).toBe('done');
      expect(await counted('dropped')).toBe(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('bound the DNS lookup of a receiver whose resolver never answers: one lookup at a time, each attempt failing and logged as the lookup', async () => {
    // A resolver that never answers: what a hung DNS server gives getaddrinfo (on one of libuv's four threads) for as long as it retries.
    const lookup = vi.spyOn(dns, 'lookup').mockImplementation((() => undefined) as unknown as typeof dns.lookup);
    // Loaded before: the dispatcher loads undici within its first attempt's time, and a slow load under load would end that attempt first.
    await import('undici');
    const hung = start({ targets: [target({ url: new URL('http://hooks.hung-resolver.test/budget'), timeoutMs: 1000, maxAttempts: 2 })] });
    for (let index = 0; index < 4; index++) hung.enqueue(event());
    await expect.poll(() => counted('failed'), { timeout: 15_000 }).toBe(4);
    expect(await counted('retried')).toBe(4);
    const failures = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'alert webhook delivery failed');
    expect(failures[0]).toMatchObject({ code: 'UPSTREAM_LOOKUP_TIMEOUT', error: 'the DNS lookup of hooks.hung-resolver.test gave no answer within 500 ms' });
    // Eight attempts; the name was asked once, that lookup still running.
    expect(lookup).toHaveBeenCalledTimes(1);
    await hung.close(0);
  });

  it('drop the oldest queued delivery when the queue is full, and count it', async () => {
    receiver.answers.push('hang');
    const dispatch = start({ concurrency: 1, maxQueue: 2, targets: [target({ timeoutMs: 300, maxAttempts: 1 })] });
    const events = [event(), event(), event(), event(), event()];
    dispatch.enqueue(events[0]!);
    await receiver.waitFor(1); // in flight, hanging: the next ones queue up behind it
    for (const queued of events.slice(1)) dispatch.enqueue(queued);
    expect(await counted('dropped')).toBe(2);
    await receiver.waitFor(3);
    await expect.poll(() => counted('delivered')).toBe(2);
    await dispatch.close(1000);
    expect(receiver.received.map((request) => request.headers['x-switchyard-event-id'])).toEqual([events[0]!.id, events[3]!.id, events[4]!.id]);
    expect(await counted('failed')).toBe(1);
    expect(logLines.some((line) => line.includes('queue full'))).toBe(true);
  });

  it('only send the event types a webhook asks for', async () => {
    const dispatch = start({ targets: [target({ events: ['budget.limit_reached'] })] });
    dispatch.enqueue(event('budget.threshold_crossed'));
    const wanted = event('budget.limit_reached');
    dispatch.enqueue(wanted);
    await dispatch.close(2000);
    expect(receiver.received.map((request) => request.headers['x-switchyard-event-id'])).toEqual([wanted.id]);
  });

  it('are flushed on close; what cannot finish in time is aborted and counted as dropped', async () => {
    const dispatch = start();
    dispatch.enqueue(event());
    dispatch.enqueue(event());
    await dispatch.close(5000);
    expect(receiver.received).toHaveLength(2);
    expect(await counted('delivered')).toBe(2);

    receiver.fallback = 'hang';
    const stuck = start({ targets: [target({ timeoutMs: 60_000 })], backoffMs: 60_000, maxBackoffMs: 60_000 });
    stuck.enqueue(event());
    await receiver.waitFor(3);
    await stuck.close(100);
    expect(stuck.pending).toBe(0);
    expect(await counted('dropped')).toBe(1);
    // Enqueued after close: ignored, nothing sent.
    stuck.enqueue(event());
    expect(receiver.received).toHaveLength(3);
  });

  it('never put the secret or the URL\'s token in a log line', async () => {
    receiver.fallback = { status: 500 };
    const url = new URL(receiver.url);
    url.searchParams.set('token', 'url-token-should-stay-hidden');
    start({ targets: [target({ url, maxAttempts: 2 })] }).enqueue(event());
    const unreachable = new URL('http://127.0.0.1:1/hook?token=url-token-should-stay-hidden');
    const down = start({ targets: [target({ url: unreachable, maxAttempts: 1, name: 'down' })] });
    down.enqueue(event());
    await expect.poll(() => counted('failed')).toBe(2);
    expect(logLines.length).toBeGreaterThan(0);
    const text = logLines.join('\n');
    expect(text).toContain('alert webhook delivery failed');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('url-token-should-stay-hidden');
  });
});
