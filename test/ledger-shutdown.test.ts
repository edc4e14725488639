import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { startCli } from './support/run-cli.js';

const masterKey = 'sy-master-ledger-test-0123456789abcdef';

/** Reads the gateway's switchyard_requests_in_flight gauge until it shows `count`: one /metrics answer after another, no timer. */
async function waitForInFlight(port: number, count: number): Promise<void> {
  for (;;) {
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const inFlight = Number(/^switchyard_requests_in_flight (\d+)$/m.exec(metrics)?.[1]);
    if (inFlight >= count) return;
  }
}

describe('SIGTERM during load', () => {
  it('loses no usage record: every answered request made with a key is in the ledger', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-ledger-'));
    // A long flush interval: the records can only reach the ledger through the shutdown flush.
    await writeFile(
      path.join(cwd, 'switchyard.config.yaml'),
      'providers:\n  mock:\n    latency_ms: 3000\nstorage:\n  use: sqlite\nusage:\n  flush_interval_ms: 60000\n',
    );
    const gateway = await startCli(['--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(gateway.stdout())![1]);

    const send = () =>
      fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}` },
        body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'count me' }] }),
      }).then(
        async (response) => {
          await response.arrayBuffer();
          return response.status;
        },
        () => 'refused' as const,
      );
    const inFlight: Array<Promise<number | 'refused'>> = [];
    for (let index = 0; index < 40; index++) inFlight.push(send());
    // SIGTERM only once all 40 are inside the gateway (the mock holds each for 3 s), as
    // the gateway itself counts them: a request still on its way would be refused 503.
    await waitForInFlight(port, 40);
    gateway.child.kill('SIGTERM');
    // Keep sending while it drains: these are refused or answered 503, never lost silently.
    for (let index = 0; index < 20; index++) inFlight.push(send());
    const outcomes = await Promise.all(inFlight);
    expect(await gateway.exited).toBe(0);

    expect(outcomes.filter((outcome) => outcome === 200).length).toBeGreaterThanOrEqual(40);
    const database = new Database(path.join(cwd, '.switchyard', 'switchyard.db'), { readonly: true });
    const { records } = database.prepare('SELECT count(*) AS records FROM usage').get() as { records: number };
    database.close();
    // Every answered request that was attributed to a key is recorded; the 503s of the drain
    // come before auth, carry no key and cost nothing, so they are counted, not ledgered.
    expect(records).toBe(outcomes.filter((outcome) => outcome === 200).length);
  });
});
