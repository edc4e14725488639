import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Every label value on /metrics is bounded: names a client makes up (models, providers,
 * paths), refused or served, on every endpoint, add no series once each kind of
 * request has been seen. switchyard_unpriced_calls_total is the one metric that names
 * served made-up models, up to its own bound (unpriced-models.test.ts).
 */

const chain = ['auth', 'key-scope', 'rate-limit', 'circuit-breaker', 'cache', 'route', 'adapter'];

let upstream: MockOpenAI;
let gateway: TestGateway;
let dataDir: string;

beforeAll(async () => {
  upstream = await startMockOpenAI();
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-metrics-hostile-'));
  gateway = await startTestGateway({
    server: { data_dir: dataDir },
    storage: { use: 'sqlite' },
    providers: { east: { use: 'openai', api_key: 'sk-east-test-abcdefgh', base_url: upstream.url } },
    models: { solo: { deployments: [{ target: 'east/gpt-4o-mini' }] } },
    chain,
  });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Every request a hostile client might send with its `index`-th made-up name. */
function hostileRequests(index: number): Array<{ path: string; body: unknown }> {
  const names = [
    `nope-${index}`, // no such alias: 404 model_not_found
    `ghost-${index}/model`, // no such provider
    `east/${'x'.repeat(300)}-${index}`, // longer than limits.max_model_name_length: 400
    `east/bad name ${index}`, // not visible ASCII: 400
  ];
  const requests: Array<{ path: string; body: unknown }> = [];
  for (const model of names) {
    requests.push({ path: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content: 'hi' }] } });
    requests.push({ path: '/v1/messages', body: { model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] } });
    requests.push({ path: '/v1/responses', body: { model, input: 'hi' } });
    requests.push({ path: '/v1/embeddings', body: { model, input: 'hi' } });
  }
  // A configured provider's model nobody listed: served, counted as model="(other)".
  requests.push({ path: '/v1/chat/completions', body: { model: `east/invented-${index}`, messages: [{ role: 'user', content: 'hi' }] } });
  requests.push({ path: `/v1/made-up-endpoint-${index}`, body: { model: 'solo' } });
  return requests;
}

async function send(from: number, to: number): Promise<void> {
  for (let index = from; index < to; index++) {
    const answers = await Promise.all(
      hostileRequests(index).map(({ path: route, body }) =>
        fetch(`${gateway.origin}${route}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then(async (response) => {
          await response.arrayBuffer();
          return response.status;
        }),
      ),
    );
    // Refusals are the client's fault, never the gateway's.
    for (const status of answers) expect(status).toBeLessThan(500);
  }
}

/**
 * The series on /metrics (name and labels, no values) a request can add: not the
 * process's own (garbage collector kinds come as they please), not the ledger's
 * flush outcome (ok or failed, whenever a batch is written), and not
 * switchyard_unpriced_calls_total.
 */
const notFromRequests = /^(nodejs_|process_|switchyard_usage_flush_duration_seconds|switchyard_unpriced_calls_total\{)/;

async function series(): Promise<string[]> {
  const text = await (await fetch(`${gateway.origin}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#') && !notFromRequests.test(line))
    .map((line) => line.slice(0, line.lastIndexOf(' ')))
    .sort();
}

describe('/metrics under made-up names', () => {
  it('keeps the same series after a hundred more distinct names of every kind, on every endpoint', async () => {
    await send(0, 2);
    const before = await series();
    await send(2, 100);
    const after = await series();
    expect(after.filter((line) => /nope-|ghost-|invented-|made-up-|xxxx|bad name/.test(line))).toEqual([]);
    expect(after).toEqual(before);
    // 1,800 requests one after another's batch: ~5 s on a quiet machine, past 20 s beside a loaded suite.
  }, 120_000);
});
