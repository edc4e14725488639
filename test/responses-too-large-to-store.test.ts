import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A Responses answer over the store's `max_stored_response_bytes` is answered unstored and
 * logged at most once a minute as too large. The route's timeout wrapper turned the store's
 * typed error into `store_unavailable`, so every such request also logged "a stored
 * response could not be saved" with code store_unavailable: a line per request, saying the
 * database was unreachable when it was not.
 */
let gateway: TestGateway;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-too-large-'));
  gateway = await startTestGateway({
    server: { data_dir: dataDir },
    storage: { use: 'sqlite', max_stored_response_bytes: 4096 },
    providers: { mock: {} },
  });
});
afterAll(async () => {
  await gateway?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function respond(input: string): Promise<{ status: number; id: string }> {
  const response = await fetch(`${gateway.baseURL}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', input, max_output_tokens: 16 }),
  });
  const body = (await response.json()) as { id: string };
  return { status: response.status, id: body.id };
}

describe('a response too large to store', () => {
  it('is answered, logged once as too large, never as the store being unavailable', async () => {
    const logged = gateway.logLines.length;
    const answers = [await respond('x'.repeat(10_000)), await respond('y'.repeat(10_000)), await respond('z'.repeat(10_000))];
    for (const answer of answers) expect(answer.status).toBe(200);
    // Each request's line is written once it is over; the store's answer comes before it.
    await expect.poll(() => gateway.logLines.slice(logged).filter((line) => line.includes('"request finished"')).length).toBe(3);
    const lines = gateway.logLines.slice(logged);
    expect(lines.filter((line) => line.includes('too large to store'))).toHaveLength(1);
    expect(lines.filter((line) => line.includes('store_unavailable') || line.includes('could not be saved'))).toEqual([]);
    // Not stored: GET finds none of them.
    for (const answer of answers) {
      const found = await fetch(`${gateway.baseURL}/responses/${answer.id}`, { headers: { authorization: `Bearer ${masterKey}` } });
      await found.arrayBuffer();
      expect(found.status).toBe(404);
    }
  });
});
