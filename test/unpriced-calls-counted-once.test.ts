import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { recordQueue } from './support/request-records.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * `switchyard_unpriced_calls_total` counts calls to a model without a price: each
 * call once, whether a budget settles it too, whether the answer carries
 * `x-switchyard-cost`, and for a failed attempt the provider billed as for an answer.
 */

let primary: MockOpenAI;
let backup: MockOpenAI;
let gateway: TestGateway;
let records: ReturnType<typeof recordQueue>;

beforeAll(async () => {
  primary = await startMockOpenAI();
  backup = await startMockOpenAI();
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-unpriced-once-')), cost_header: true },
    providers: {
      primary: { use: 'openai', api_key: 'sk-test-primary-0123', base_url: primary.url },
      backup: { use: 'openai', api_key: 'sk-test-backup-01234', base_url: backup.url },
    },
    models: {
      'story-budgeted': { deployments: [{ target: 'primary/unread-budgeted' }], retries: { attempts: 0 }, fallbacks: ['backup-budgeted'] },
      'backup-budgeted': { deployments: [{ target: 'backup/served-budgeted' }], retries: { attempts: 0 } },
      'story-master': { deployments: [{ target: 'primary/unread-master' }], retries: { attempts: 0 }, fallbacks: ['backup-master'] },
      'backup-master': { deployments: [{ target: 'backup/served-master' }], retries: { attempts: 0 } },
    },
    storage: { use: 'sqlite' },
  });
  records = recordQueue(gateway);
});
afterAll(async () => {
  await gateway.close();
  await primary.close();
  await backup.close();
});

/** A 200 whose usage is readable and whose choices are not: billed by the provider, retried by the gateway. */
const unreadableAnswer = {
  id: 'chatcmpl-bad',
  object: 'chat.completion',
  created: 1,
  model: 'whatever',
  choices: 'not a list',
  usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
};

/** Sends one chat request and waits for its record: by then the budget's settlement has priced it too. */
async function call(secret: string, model: string): Promise<Response> {
  const record = records.next();
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ model, max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] }),
  });
  await response.arrayBuffer();
  await record;
  return response;
}

async function unpricedSeries(): Promise<string[]> {
  const text = await (await fetch(`${gateway.origin}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith('switchyard_unpriced_calls_total{'));
}

describe('switchyard_unpriced_calls_total', () => {
  it.each([
    ['a budgeted key', 'budgeted'],
    ['the master key (no budget)', 'master'],
  ] as const)('%s: a served answer counts once', async (_, who) => {
    const secret = who === 'budgeted' ? (await createBudgetedKey(gateway, 5, 'unpriced')).secret : masterKey;
    const response = await call(secret, `primary/solo-${who}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-cost')).toBe('0');
    expect(await unpricedSeries()).toContain(`switchyard_unpriced_calls_total{provider="primary",model="solo-${who}"} 1`);
  });

  it.each([
    ['a budgeted key', 'budgeted'],
    ['the master key (no budget)', 'master'],
  ] as const)('%s: a billed failed attempt and the answer after it count once each', async (_, who) => {
    const secret = who === 'budgeted' ? (await createBudgetedKey(gateway, 5, 'unpriced')).secret : masterKey;
    primary.enqueue({ status: 200, body: unreadableAnswer });
    backup.enqueue({ reply: { content: 'fine', usage: { prompt_tokens: 10, completion_tokens: 20 } } });
    const response = await call(secret, `story-${who}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-model')).toBe(`backup/served-${who}`);
    const series = await unpricedSeries();
    expect(series).toContain(`switchyard_unpriced_calls_total{provider="primary",model="unread-${who}"} 1`);
    expect(series).toContain(`switchyard_unpriced_calls_total{provider="backup",model="served-${who}"} 1`);
  });
});
