import { request } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from './support/run-cli.js';

/**
 * The workers of `switchyard start --workers N` write to one stdout, and their lines were
 * alike: which worker a request's line, or a store's outage line, came from could not be
 * told (and `GET /health` is the answering worker's own). A worker's lines now carry its
 * cluster worker id as `worker`; the primary's carry none.
 */
const masterKey = 'sy-master-workers-logs-0123456789abcdef';

/** One request on a connection of its own, so each is balanced to a worker afresh: its worker and our request id. */
function chat(port: number): Promise<{ worker: string; requestId: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', agent: false, headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json', connection: 'close' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ worker: String(res.headers['x-switchyard-worker']), requestId: String(res.headers['x-request-id']) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error('no answer within 20 s')));
    req.end(JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }));
  });
}

describe('log lines of switchyard start --workers 2', () => {
  let gateway: RunningCli;
  let port: number;

  beforeAll(async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-workers-logs-'));
    await writeFile(path.join(cwd, 'switchyard.config.yaml'), 'providers:\n  mock: {}\nstorage:\n  use: sqlite\n');
    gateway = await startCli(['--port', '0', '--workers', '2'], {
      cwd,
      env: { SWITCHYARD_MASTER_KEY: masterKey, SWITCHYARD_DEBUG_WORKER_HEADER: '1' },
      ready: 'with 2 workers',
      startTimeoutMs: 90_000,
    });
    port = Number(/listening on port (\d+) with 2 workers/.exec(gateway.stdout())![1]);
  }, 120_000);

  afterAll(() => {
    if (gateway?.child.exitCode === null) gateway.child.kill('SIGKILL');
  });

  it("name the worker that wrote them: a request's line its serving worker's id, the primary's none", async () => {
    const answers = [];
    for (let index = 0; index < 8; index++) answers.push(await chat(port));
    expect(new Set(answers.map((answer) => answer.worker))).toEqual(new Set(['1', '2']));
    const lines = () =>
      gateway
        .stdout()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    // Workers write their lines within a second (pino's buffered writer).
    await expect.poll(() => lines().filter((fields) => fields['msg'] === 'request finished').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(8);
    for (const { worker, requestId } of answers) {
      const line = lines().find((fields) => fields['msg'] === 'request finished' && fields['requestId'] === requestId);
      // Before: no worker field on any line.
      expect(line?.['worker']).toBe(Number(worker));
    }
    const primaryLine = lines().find((fields) => typeof fields['msg'] === 'string' && (fields['msg'] as string).includes('with 2 workers'));
    expect(primaryLine).toBeDefined();
    expect(primaryLine!['worker']).toBeUndefined();
  }, 60_000);
});
