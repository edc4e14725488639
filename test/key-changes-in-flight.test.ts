import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { adminCaller } from './support/admin-call.js';
import { recordQueue } from './support/request-records.js';
import { sseData } from './support/sse-data.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A key is judged when a request begins: a stream under way when its key is revoked,
 * rotated without grace or reaches its expiry runs to its end, is recorded under the key
 * and paid from its budget; the key's next request is refused (plugins/policy-keys/README.md).
 */
const chunk = (delta: Record<string, unknown>, usage?: Record<string, number>) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: usage ? [] : [{ index: 0, delta, finish_reason: null }], ...(usage && { usage }) })}\n\n`;

let upstream: Server;
/** The held stream's response: the test ends it once the key has changed. */
const held: ServerResponse[] = [];
let gateway: TestGateway;
let dataDir: string;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ role: 'assistant', content: 'first' }));
      held.push(res);
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-in-flight-'));
  gateway = await startTestGateway({
    server: { data_dir: dataDir },
    storage: { use: 'sqlite' },
    usage: { flush_interval_ms: 50 },
    providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` } },
    prices: { 'openai/gpt-4o-mini': { input: 1000, output: 1000 } },
  });
});
afterAll(async () => {
  await gateway?.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
  await rm(dataDir, { recursive: true, force: true });
});

const admin = adminCaller(() => gateway.origin, masterKey);
const ask = (secret: string) =>
  fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, stream_options: { include_usage: true }, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('a key changed while its stream runs', () => {
  it.each([
    ['revoked', 'key_revoked', (id: string) => admin('POST', `/keys/${id}/revoke`)],
    ['rotated without grace', 'invalid_api_key', (id: string) => admin('POST', `/keys/${id}/rotate`, {})],
    [
      'past its expiry',
      'key_expired',
      async () => {
        // The gateway's clock (Date) moves past the key's expiry; the lookup cache runs on performance.now.
        vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2 * 3_600_000 });
        onTestFinished(() => void vi.useRealTimers());
      },
    ],
  ] as const)('%s: the stream runs to its end, recorded under the key and paid from its budget; its next request is %s', async (_change, code, change) => {
    const created = await admin('POST', '/keys', { name: 'streaming', scope: { budget: { limit_usd: 10, period: 'total' }, expires_in: '1h' } });
    const { id } = created.body['key'] as { id: string };
    const secret = created.body['secret'] as string;
    const records = recordQueue(gateway);
    // The refused request finishes first, the stream after it.
    const refusedRecord = records.next();
    const finished = records.next();

    const answer = await ask(secret);
    expect(answer.status).toBe(200);
    const reader = answer.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('first')) text += decoder.decode((await reader.read()).value, { stream: true });

    expect((await change(id))?.status ?? 200).toBe(200);
    const refused = await ask(secret);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(code);
    expect((await refusedRecord).status).toBe(401);

    const stream = held.shift()!;
    stream.end(chunk({ content: ' and last' }) + chunk({}, { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 }) + 'data: [DONE]\n\n');
    for (let part = await reader.read(); !part.done; part = await reader.read()) text += decoder.decode(part.value, { stream: true });
    const data = sseData(text);
    expect(data.at(-1)).toBe('[DONE]');
    expect(data.join('')).toContain(' and last');

    const record = await finished;
    expect(record).toMatchObject({ keyId: id, status: 200, errorCode: undefined });
    expect(record.costUsd).toBeCloseTo(0.03, 9);
    // The budget's payment goes to the store within budget_grants.pay_within_ms.
    await expect.poll(async () => (await admin('GET', `/keys?limit=100&include_revoked=true`)).body['data'].find((key: { id: string }) => key.id === id)?.budget_spent_usd).toBeCloseTo(0.03, 9);
  });
});
