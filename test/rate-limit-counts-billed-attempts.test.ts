import { definePlugin } from '@switchyard/core';
import { createRateLimitHandler, MemoryRateLimitStore, rateLimitOptionsSchema, type GcraLimit, type RateLimitOptions } from '@switchyard/policy-rate-limit';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A failed attempt the provider billed (a 200 with a usage and choices the gateway
 * cannot read, then a fallback) was processed by the provider: its tokens count
 * against tpm as the answer's do, not only against the budget.
 */

const now = 1_700_000_000_000;
const tpm = 100_000;
/** A key of team `app`: its team's tpm is its own, and shown in its headers (a gateway-wide one is not). */
const appKey = 'sy-app-team-key-0123456789abcdef';

/** The memory store, telling when a request's reservation has been settled. */
class ObservedStore extends MemoryRateLimitStore {
  private settled: (() => void) | undefined;
  nextSettlement(): Promise<void> {
    return new Promise((resolve) => (this.settled = resolve));
  }
  // The limiter settles a memory store at once (adjustNow); `adjust` goes through it too.
  override adjustNow(limits: readonly GcraLimit[], at?: number): void {
    super.adjustNow(limits, at);
    this.settled?.();
  }
}

const store = new ObservedStore({ clock: () => now });
/** The rate-limit step with a still clock: tokens come back only by settlement. */
const stillRateLimit = definePlugin<RateLimitOptions>({
  name: 'still-rate-limit',
  optionsSchema: rateLimitOptionsSchema,
  create: (options, runtime) => createRateLimitHandler(options, runtime, { store, clock: () => now }),
});

let primary: MockOpenAI;
let backup: MockOpenAI;
let gateway: TestGateway;

beforeAll(async () => {
  primary = await startMockOpenAI();
  backup = await startMockOpenAI();
  gateway = await startTestGateway(
    {
      providers: {
        primary: { use: 'openai', api_key: 'sk-test-primary-0123', base_url: primary.url },
        backup: { use: 'openai', api_key: 'sk-test-backup-01234', base_url: backup.url },
      },
      models: {
        story: { deployments: [{ target: 'primary/model-a' }], retries: { attempts: 0 }, fallbacks: ['backup-once'] },
        'backup-once': { deployments: [{ target: 'backup/model-b' }], retries: { attempts: 0 } },
      },
      chain: [
        { auth: { keys: [{ name: 'app', key: appKey, team: 'app' }] } },
        { 'still-rate-limit': { limits: { teams: { app: { tpm } } }, default_max_tokens: 100 } },
        'route',
        'adapter',
      ],
    },
    { plugins: [stillRateLimit] },
  );
});
afterAll(async () => {
  await gateway.close();
  await primary.close();
  await backup.close();
});

function ask(model: string): Promise<Response> {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${appKey}` },
    body: JSON.stringify({ model, max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] }),
  });
}

const remaining = (response: Response) => Number(response.headers.get('x-ratelimit-remaining-tokens'));

describe('tpm and a failed attempt the provider billed', () => {
  it('the fallback after a 200 with a usage but unreadable choices settles both attempts\' tokens', async () => {
    primary.enqueue({
      status: 200,
      body: { id: 'chatcmpl-bad', object: 'chat.completion', created: 1, model: 'model-a', choices: 'not a list', usage: { prompt_tokens: 1000, completion_tokens: 500 } },
    });
    backup.enqueue({ reply: { content: 'fine', usage: { prompt_tokens: 10, completion_tokens: 20 } } });
    const settled = store.nextSettlement();
    const first = await ask('story');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-switchyard-model')).toBe('backup/model-b');
    await first.arrayBuffer();
    const reserved = tpm - remaining(first);
    await settled;

    // The clock stands still: the next request sees what the first used, and its own reservation (the same).
    backup.enqueue({ reply: { content: 'fine', usage: { prompt_tokens: 10, completion_tokens: 20 } } });
    const second = await ask('backup-once');
    expect(second.status).toBe(200);
    await second.arrayBuffer();
    expect(remaining(second)).toBe(tpm - (1000 + 500) - (10 + 20) - reserved);
  });
});
