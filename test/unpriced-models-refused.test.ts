import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A model without a price costs $0, so no budget limits it. With key-scope's
 * `unpriced_models: refuse`, a budgeted request sends nothing to such a deployment,
 * on every ingress and on a fallback too.
 */

const upstreamKey = 'sk-test-unpriced-0123456789';
const unpriced = 'brand-new-model-2031';
let upstream: MockOpenAI;
let gateway: TestGateway;
/** A key with a budget of its own, one whose team has the budget, and one without any. */
let ownBudget: string;
let teamBudget: string;
let noBudget: string;

async function createKey(body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${gateway.origin}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { secret: string }).secret;
}

beforeAll(async () => {
  upstream = await startMockOpenAI();
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-unpriced-refused-')) },
    providers: { openai: { api_key: upstreamKey, base_url: upstream.url } },
    prices: { 'openai/priced-model': { input: 1, output: 2 } },
    models: {
      // A priced primary whose fallback has no price.
      story: { deployments: [{ target: 'openai/priced-model' }], retries: { attempts: 0 }, fallbacks: ['openai-unpriced-once'] },
      'openai-unpriced-once': { deployments: [{ target: `openai/${unpriced}` }], retries: { attempts: 0 } },
      // An unpriced first choice whose fallback has a price.
      reverse: { deployments: [{ target: `openai/${unpriced}` }], retries: { attempts: 0 }, fallbacks: ['openai/priced-model'] },
    },
    chain: [
      'auth',
      { 'key-scope': { unpriced_models: 'refuse', budgets: { teams: { 'team-a': { limit_usd: 10, period: 'monthly' } } } } },
      'rate-limit',
      'circuit-breaker',
      'route',
      'adapter',
    ],
    storage: { use: 'sqlite' },
  });
  ownBudget = (await createBudgetedKey(gateway, 10, 'unpriced-own')).secret;
  teamBudget = await createKey({ name: 'unpriced-team', team: 'team-a' });
  noBudget = await createKey({ name: 'unpriced-free' });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});
beforeEach(() => upstream.reset());

const endpoints = {
  'chat/completions': (model: string) => ({ model, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }),
  'chat/completions (stream)': (model: string) => ({ model, max_tokens: 20, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  messages: (model: string) => ({ model, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }),
  responses: (model: string) => ({ model, max_output_tokens: 20, input: 'hi' }),
  embeddings: (model: string) => ({ model, input: 'hi' }),
} as const;
type Endpoint = keyof typeof endpoints;

function send(secret: string, endpoint: Endpoint, model: string): Promise<Response> {
  const pathname = endpoint.replace(' (stream)', '');
  return fetch(`${gateway.baseURL}/${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(endpoints[endpoint](model)),
  });
}

/** The error's code, message and type from OpenAI's envelope or Anthropic's (`/v1/messages`). */
async function errorOf(response: Response): Promise<{ code: string; message: string; type: string }> {
  const text = await response.text();
  expect(text).not.toContain(upstreamKey);
  return (JSON.parse(text) as { error: { code: string; message: string; type: string } }).error;
}

describe('unpriced_models: refuse', () => {
  it.each(Object.keys(endpoints) as Endpoint[])('%s: a budgeted key is refused an unpriced model with 403 model_unpriced naming it; nothing is sent', async (endpoint) => {
    for (const secret of [ownBudget, teamBudget]) {
      const response = await send(secret, endpoint, `openai/${unpriced}`);
      expect(response.status).toBe(403);
      const error = await errorOf(response);
      expect(error.code).toBe('model_unpriced');
      expect(error.type).toBe('permission_error');
      expect(error.message).toContain(`openai/${unpriced}`);
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it.each(Object.keys(endpoints) as Endpoint[])('%s: a key without any budget is still served an unpriced model', async (endpoint) => {
    const response = await send(noBudget, endpoint, `openai/${unpriced}`);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(upstream.requests).toHaveLength(1);
  });

  it('a priced model is served to a budgeted key', async () => {
    const response = await send(ownBudget, 'chat/completions', 'openai/priced-model');
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  });

  it('a priced primary that fails does not fall back to an unpriced deployment: nothing is sent to it', async () => {
    upstream.enqueue({ error: 'server_error' });
    const response = await send(ownBudget, 'chat/completions', 'story');
    expect(response.status).toBe(403);
    expect((await errorOf(response)).code).toBe('model_unpriced');
    expect(upstream.requests.map((request) => (request.body as { model: string }).model)).toEqual(['priced-model']);
  });

  it('an unpriced first choice is skipped for its priced fallback', async () => {
    const response = await send(teamBudget, 'messages', 'reverse');
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(response.headers.get('x-switchyard-model')).toBe('openai/priced-model');
    expect(upstream.requests.map((request) => (request.body as { model: string }).model)).toEqual(['priced-model']);
  });
});
