import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

let dataDir: string;
let gateway: TestGateway;
const errorBodies: string[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-keys-'));
  gateway = await startTestGateway({
    server: { data_dir: dataDir },
    storage: { use: 'sqlite' },
    usage: { flush_interval_ms: 50 },
  });
});
afterAll(() => gateway.close());

async function admin(method: string, route: string, body?: unknown, key = masterKey) {
  const response = await fetch(`${gateway.origin}/admin${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 400) errorBodies.push(text);
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

function clientFor(secret: string): OpenAI {
  return new OpenAI({ apiKey: secret, baseURL: gateway.baseURL, maxRetries: 0 });
}

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  errorBodies.push(JSON.stringify((error as InstanceType<typeof OpenAI.APIError>).error));
  return error as InstanceType<typeof OpenAI.APIError>;
}

const ask = (client: OpenAI, model = 'mock/echo', content = 'hello', maxTokens?: number) =>
  client.chat.completions.create({ model, messages: [{ role: 'user', content }], ...(maxTokens && { max_tokens: maxTokens }) });

describe('virtual keys end to end', () => {
  it('a key limited to mock/*, $0.01 and 2 s: served, 403 outside its scope, 429 when spent, 401 when expired', async () => {
    // The key's 2 s run on the gateway's clock (Date), held still until the budget is spent:
    // on real time, a loaded machine took past 2 s over the calls below and the key expired first.
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => void vi.useRealTimers());
    const created = await admin('POST', '/keys', {
      name: 'demo',
      team: 'research',
      scope: { models: ['mock/*'], budget: { limit_usd: 0.01, period: 'total' }, expires_in: '2s' },
    });
    expect(created.status).toBe(201);
    const secret = created.body['secret'] as string;
    expect(secret).toMatch(/^sy-[A-Za-z0-9]{32,}$/);
    const client = clientFor(secret);

    const answer = await ask(client);
    expect(answer.choices[0]!.message.content).toBe('hello');

    const outside = await failure(ask(client, 'openai/gpt-4o'));
    expect(outside).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(outside.code).toBe('model_not_allowed');
    expect(outside.message).toContain('openai/gpt-4o');
    expect(outside.message).not.toContain('mock/*');

    // Each call sends ~2,000 prompt tokens and gets ~100 back: at the mock's demo price
    // ($1/M in, $2/M out) the budget lasts a few calls.
    let spent: InstanceType<typeof OpenAI.APIError> | undefined;
    for (let call = 0; call < 20 && !spent; call++) {
      try {
        await ask(client, 'mock/echo', 'x'.repeat(8000), 100);
      } catch (error) {
        spent = error as InstanceType<typeof OpenAI.APIError>;
      }
    }
    expect(spent).toBeInstanceOf(OpenAI.RateLimitError);
    expect(spent!.code).toBe('insufficient_quota');

    vi.setSystemTime(Date.now() + 2001);
    const expired = await failure(ask(client));
    expect(expired).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(expired.code).toBe('key_expired');
  });

  it('200 concurrent requests against a $1 budget spend at most $1 plus one request', async () => {
    const created = await admin('POST', '/keys', { name: 'burst', scope: { budget: { limit_usd: 1, period: 'total' } } });
    const client = clientFor(created.body['secret'] as string);
    const content = 'y'.repeat(40_000); // ~10,000 prompt tokens: about $0.01 a call at the demo price
    const recorded = recordsOf(200);
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => ask(client, 'mock/echo', content, 50)));
    const served = results.filter((result) => result.status === 'fulfilled').length;
    const refused = results.filter((result) => result.status === 'rejected' && (result.reason as { code?: string }).code === 'insufficient_quota').length;
    expect(served + refused).toBe(200);
    await recorded;
    await ledgerCaughtUp();
    const usage = await admin('GET', `/usage?group_by=key&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`);
    const row = (usage.body['data'] as Array<{ group: string; cost_usd: number; requests: number }>).find(
      (entry) => entry.group === created.body['key'].id,
    )!;
    const oneRequestMax = gateway.gateway.runtime.pricing.maxCost('mock', 'echo', 10_010, 50);
    expect(row.cost_usd).toBeLessThanOrEqual(1 + oneRequestMax);
    expect(row.cost_usd).toBeGreaterThan(0.9);
    console.info(`budget $1: ${served} served, ${refused} refused, spent $${row.cost_usd.toFixed(6)} (bound $${(1 + oneRequestMax).toFixed(6)})`);
  });

  it('rotation: the old secret works during the grace period and fails after it', async () => {
    const created = await admin('POST', '/keys', { name: 'rotating' });
    const oldSecret = created.body['secret'] as string;
    await ask(clientFor(oldSecret));
    // The grace period runs on the gateway's clock (Date), held still while the old secret is
    // shown to work: on real time, a loaded machine could pass 2 s before that request.
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => void vi.useRealTimers());
    const rotated = await admin('POST', `/keys/${created.body['key'].id}/rotate`, { grace_period: 2 });
    const newSecret = rotated.body['secret'] as string;
    expect(newSecret).not.toBe(oldSecret);
    await ask(clientFor(newSecret));
    await ask(clientFor(oldSecret));
    vi.setSystemTime(Date.now() + 2001); // past the grace
    await sleep(1100); // and past the one-second lookup cache (real time: waiting longer only makes it surer)
    expect((await failure(ask(clientFor(oldSecret)))).status).toBe(401);
    await ask(clientFor(newSecret));
  });

  it('revocation takes effect within a second', async () => {
    const created = await admin('POST', '/keys', { name: 'leaving' });
    const client = clientFor(created.body['secret'] as string);
    await ask(client);
    await admin('POST', `/keys/${created.body['key'].id}/revoke`);
    await sleep(1100);
    const revoked = await failure(ask(client));
    expect(revoked.status).toBe(401);
    expect(revoked.code).toBe('key_revoked');
  });

  it('no key secret in the database, a log line or an error body', async () => {
    const created = await admin('POST', '/keys', { name: 'secretive', scope: { models: ['mock/*'] } });
    const secret = created.body['secret'] as string;
    await ask(clientFor(secret));
    await failure(ask(clientFor(secret), 'openai/gpt-4o'));
    await failure(ask(clientFor(`${secret}x`)));
    await admin('GET', '/keys');
    await admin('GET', `/keys/${created.body['key'].id}/audit`);
    await gateway.gateway.runtime.storage!.ledger.count();
    const database = await readFile(path.join(dataDir, 'switchyard.db'));
    const wal = await readFile(path.join(dataDir, 'switchyard.db-wal')).catch(() => Buffer.alloc(0));
    for (const haystack of [database.toString('latin1'), wal.toString('latin1'), ...gateway.logLines, ...errorBodies]) {
      expect(haystack).not.toContain(secret);
      expect(haystack).not.toContain(secret.slice(3, 23));
      expect(haystack).not.toContain(masterKey);
    }
  });
});

describe('what a key may do', () => {
  it('lists only the models it may use, and refuses endpoints outside its scope', async () => {
    const created = await admin('POST', '/keys', { name: 'narrow', scope: { models: ['mock/*'], endpoints: ['chat', 'models'] } });
    const client = clientFor(created.body['secret'] as string);
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['mock/echo']);
    const embeddings = await failure(client.embeddings.create({ model: 'mock/echo', input: 'x' }));
    expect(embeddings).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(embeddings.code).toBe('endpoint_not_allowed');
  });

  it('caps max_tokens: fills it in when absent, refuses more', async () => {
    const created = await admin('POST', '/keys', { name: 'capped', scope: { max_tokens: 5 } });
    const client = clientFor(created.body['secret'] as string);
    const capped = await ask(client, 'mock/echo', 'one two three four five six seven eight nine ten eleven twelve');
    expect(capped.choices[0]!.finish_reason).toBe('length');
    expect(capped.usage!.completion_tokens).toBeLessThanOrEqual(5);
    const over = await failure(ask(client, 'mock/echo', 'hi', 50));
    expect(over).toBeInstanceOf(OpenAI.BadRequestError);
    expect(over.param).toBe('max_tokens');
  });

  it('logs a budget alert once the alert threshold is crossed', async () => {
    const created = await admin('POST', '/keys', { name: 'alerting', scope: { budget: { limit_usd: 1, period: 'daily', alert_threshold: 0.001 } } });
    const client = clientFor(created.body['secret'] as string);
    await ask(client, 'mock/echo', 'z'.repeat(8000), 10);
    await expect.poll(() => gateway.logLines.some((line) => line.includes('budget alert') && line.includes(created.body['key'].id))).toBe(true);
  });
});

describe('team budgets', () => {
  it('are shared by every key of the team', async () => {
    const teamDir = await mkdtemp(path.join(tmpdir(), 'switchyard-team-'));
    const teamGateway = await startTestGateway({
      server: { data_dir: teamDir },
      storage: { use: 'sqlite' },
      chain: ['auth', { 'key-scope': { budgets: { teams: { research: { limit_usd: 0.01, period: 'monthly' } } } } }, 'route', 'adapter'],
    });
    try {
      const create = async (name: string) => {
        const response = await fetch(`${teamGateway.origin}/admin/keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name, team: 'research' }),
        });
        return new OpenAI({ apiKey: ((await response.json()) as { secret: string }).secret, baseURL: teamGateway.baseURL, maxRetries: 0 });
      };
      const clients = [await create('ada'), await create('grace')];
      let refusedFor: number | undefined;
      for (let call = 0; call < 20 && refusedFor === undefined; call++) {
        try {
          await ask(clients[call % 2]!, 'mock/echo', 'x'.repeat(8000), 100);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('insufficient_quota');
          refusedFor = call % 2;
        }
      }
      // Both keys drew on the one team budget until it ran out, for whichever key asked next.
      expect(refusedFor).toBeDefined();
      await expect(ask(clients[(refusedFor! + 1) % 2]!, 'mock/echo', 'x'.repeat(8000), 100)).rejects.toMatchObject({ code: 'insufficient_quota' });
    } finally {
      await teamGateway.close();
    }
  });
});

/** Resolves once `count` more requests have finished (each made its record). */
function recordsOf(count: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => gateway.gateway.runtime.onRequestFinished(() => ++seen === count && resolve()));
}

/** Waits (at most 10 s) until the usage recorder holds nothing unwritten: every record is in the ledger. */
async function ledgerCaughtUp(): Promise<void> {
  for (const deadline = Date.now() + 10_000; gateway.gateway.runtime.usageStats()!.pending > 0; ) {
    if (Date.now() > deadline) throw new Error('the usage recorder did not write its records within 10 s');
    await sleep(10);
  }
}
