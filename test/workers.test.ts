import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PriceCatalog } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { runCli, startCli, type RunningCli } from './support/run-cli.js';

const masterKey = 'sy-master-workers-test-0123456789abcdef';

interface Answer {
  status: number;
  worker: string | undefined;
  body: string;
  cookie?: string | undefined;
}

/** One request on a connection of its own (no keep-alive), so each is balanced to a worker afresh. */
function send(port: number, method: string, pathName: string, headers: Record<string, string>, body?: string, onHeaders?: () => void): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: pathName, headers: { ...headers, connection: 'close' }, agent: false }, (res) => {
      onHeaders?.();
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, worker: res.headers['x-switchyard-worker'] as string | undefined, body: text, cookie: res.headers['set-cookie']?.[0] }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    // Never wait forever: a hung request fails the test with a reason instead of its timeout.
    req.setTimeout(20_000, () => req.destroy(new Error(`${method} ${pathName}: no answer within 20 s`)));
    req.end(body);
  });
}

const chat = (port: number, secret: string, body: Record<string, unknown>, onHeaders?: () => void) =>
  send(port, 'POST', '/v1/chat/completions', { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, JSON.stringify({ model: 'mock/echo', ...body }), onHeaders);

/** The primary's children: its worker processes. */
function workerPids(primaryPid: number): number[] {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(primaryPid)], { encoding: 'utf8' });
  return out.split('\n').map((line) => Number(line.trim())).filter((pid) => pid > 0);
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('switchyard start --workers 2', () => {
  let cwd: string;
  let gateway: RunningCli;
  let port: number;
  let budgetKey: { id: string; secret: string };
  let answeredWithKey = 0;
  /** The error code of the five keyless requests the metrics test makes, and only it. */
  let refusedCode: string;
  const countedRefusals = (scrape: Answer) =>
    scrape.body
      .split('\n')
      .filter((line) => line.startsWith('switchyard_requests_total{') && line.includes(`error_code="${refusedCode}"`))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-workers-'));
    // Streams of the echo model take ~chunk_delay_ms per word; the ledger is flushed only on shutdown or every second.
    await writeFile(
      path.join(cwd, 'switchyard.config.yaml'),
      'providers:\n  mock:\n    chunk_delay_ms: 150\nstorage:\n  use: sqlite\nusage:\n  flush_interval_ms: 1000\n',
    );
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

  it('runs migrations once, in the primary, and warns that memory-backed limits are per worker', () => {
    expect(gateway.stdout().match(/applied database migrations/g)).toHaveLength(1);
    expect(gateway.stdout()).toMatch(/rate-limit keeps its state in each worker's memory/);
    expect(gateway.stdout()).toMatch(/key-scope keeps its state in each worker's memory: each worker holds its own budget grants/);
    expect(workerPids(gateway.child.pid!)).toHaveLength(2);
  });

  it('serves requests from both workers', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => send(port, 'GET', '/health', {})));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(new Set(answers.map((answer) => answer.worker))).toEqual(new Set(['1', '2']));
  }, 60_000);

  it("GET /metrics counts every worker's requests, whichever worker answers the scrape", async () => {
    // Five requests no other test makes (without a key): they cannot be split evenly between two workers.
    const refused = [];
    for (let i = 0; i < 5; i++) refused.push(await send(port, 'POST', '/v1/chat/completions', { 'content-type': 'application/json' }, '{"model":"mock/echo","messages":[]}'));
    expect(new Set(refused.map((answer) => answer.worker))).toEqual(new Set(['1', '2']));
    const errorCodes = new Set(refused.map((answer) => (JSON.parse(answer.body) as { error: { code: string } }).error.code));
    expect(errorCodes.size).toBe(1);
    const [code] = errorCodes;
    refusedCode = code!;
    const scrapes = [];
    for (let i = 0; i < 4; i++) scrapes.push(await send(port, 'GET', '/metrics', {}));
    expect(new Set(scrapes.map((scrape) => scrape.worker))).toEqual(new Set(['1', '2']));
    for (const scrape of scrapes) {
      expect(scrape.status).toBe(200);
      expect(countedRefusals(scrape)).toBe(5);
      // One set of process metrics per process: the primary's and each worker's, told apart by nothing but their sum.
      expect(scrape.body.match(/^# TYPE switchyard_requests_total /gm)).toHaveLength(1);
      expect(scrape.body.match(/^# TYPE process_cpu_seconds_total /gm)).toHaveLength(1);
    }
  }, 60_000);

  it("a key revoked through one worker's admin API is refused at once by every worker (SQLite has no channel of its own)", async () => {
    const admin = { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' };
    const created = await send(port, 'POST', '/admin/keys', admin, JSON.stringify({ name: 'revoked-everywhere' }));
    expect(created.status).toBe(201);
    const { key, secret } = JSON.parse(created.body) as { key: { id: string }; secret: string };
    const ask = () => chat(port, secret, { max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    // Each worker looks the key up and keeps it in its lookup cache (one second).
    const servedBy = new Set<string | undefined>();
    await until(async () => {
      const answer = await ask();
      expect(answer.status).toBe(200);
      servedBy.add(answer.worker);
      return servedBy.size === 2;
    }, 'both workers to serve the key');
    const revoked = await send(port, 'POST', `/admin/keys/${key.id}/revoke`, admin, '{}');
    expect(revoked.status).toBe(200);
    const after: Answer[] = [];
    for (let i = 0; i < 6; i++) after.push(await ask());
    expect(new Set(after.map((answer) => answer.worker))).toEqual(new Set(['1', '2']));
    expect(after.map((answer) => answer.status)).toEqual(Array.from({ length: 6 }, () => 401));
  }, 60_000);

  it('a dashboard login through one worker is a session on every worker, and a logout through another ends it on all', async () => {
    const dashboard = { 'x-switchyard-dashboard': '1', 'content-type': 'application/json' };
    const login = await send(port, 'POST', '/dashboard/api/session', dashboard, JSON.stringify({ key: masterKey }));
    expect(login.status).toBe(200);
    const cookie = login.cookie!.split(';')[0]!;
    // Each on a connection of its own: the round-robin hands them to both workers.
    const checks: Answer[] = [];
    for (let i = 0; i < 6; i++) checks.push(await send(port, 'GET', '/dashboard/api/session', { ...dashboard, cookie }));
    expect(new Set(checks.map((answer) => answer.worker))).toEqual(new Set(['1', '2']));
    expect(checks.map((answer) => answer.status)).toEqual(Array.from({ length: 6 }, () => 200));
    const logout = await send(port, 'DELETE', '/dashboard/api/session', { ...dashboard, cookie });
    expect(logout.status).toBe(204);
    const after: Answer[] = [];
    for (let i = 0; i < 4; i++) after.push(await send(port, 'GET', '/dashboard/api/session', { ...dashboard, cookie }));
    expect(new Set(after.map((answer) => answer.worker))).toEqual(new Set(['1', '2']));
    expect(after.map((answer) => answer.status)).toEqual(Array.from({ length: 4 }, () => 401));
  }, 60_000);

  // After the login test above: from here on 127.0.0.1 is held off the dashboard for a minute.
  it("counts failed dashboard logins across workers: ten from one address in a minute, not ten on each worker", async () => {
    const dashboard = { 'x-switchyard-dashboard': '1', 'content-type': 'application/json' };
    const guesses: Answer[] = [];
    // Each on a connection of its own: the round-robin hands them to both workers.
    for (let i = 0; i < 14; i++) guesses.push(await send(port, 'POST', '/dashboard/api/session', dashboard, JSON.stringify({ key: `sy-wrong-guess-${i}` })));
    expect(new Set(guesses.map((answer) => answer.worker))).toEqual(new Set(['1', '2']));
    expect(guesses.map((answer) => answer.status)).toEqual([...Array<number>(10).fill(401), ...Array<number>(4).fill(429)]);
    expect((JSON.parse(guesses[13]!.body) as { error: { code: string } }).error.code).toBe('too_many_logins');
  }, 60_000);

  it('keeps a SQLite budget exact across workers under concurrent load', async () => {
    const created = await send(port, 'POST', '/admin/keys', { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      JSON.stringify({ name: 'shared-budget', scope: { budget: { limit_usd: 0.5, period: 'total' } } }));
    expect(created.status).toBe(201);
    const { key, secret } = JSON.parse(created.body) as { key: { id: string }; secret: string };
    budgetKey = { id: key.id, secret };
    const content = 'y'.repeat(40_000); // ~10,000 prompt tokens: about $0.01 a call at the mock's demo price
    const answers = await Promise.all(Array.from({ length: 100 }, () => chat(port, secret, { max_tokens: 50, messages: [{ role: 'user', content }] })));
    const served = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(served.length + refused.length).toBe(100);
    expect(refused.length).toBeGreaterThan(0);
    // Both workers took part in the race.
    expect(new Set(answers.map((answer) => answer.worker))).toEqual(new Set(['1', '2']));
    answeredWithKey += served.length;
    const database = new Database(path.join(cwd, '.switchyard', 'switchyard.db'), { readonly: true });
    try {
      // Both workers' ledgers flush every second; the next test SIGKILLs one, which loses what it still holds.
      const count = database.prepare('SELECT count(*) AS n FROM usage WHERE key_id = ? AND status = 200');
      await until(() => (count.get(key.id) as { n: number }).n === served.length, 'the ledger to hold every served request');
      const account = database.prepare("SELECT spent_micros, reserved_micros FROM budget_accounts WHERE owner = ?").get(`key:${key.id}`) as { spent_micros: number; reserved_micros: number };
      const bound = 0.5 + new PriceCatalog().maxCost('mock', 'echo', 10_100, 50).costUsd;
      expect(account.reserved_micros).toBe(0);
      expect(account.spent_micros / 1e6).toBeLessThanOrEqual(bound);
      expect(account.spent_micros / 1e6).toBeGreaterThan(0.45);
    } finally {
      database.close();
    }
  }, 120_000);

  it('replaces a worker killed with SIGKILL, and keeps serving meanwhile', async () => {
    const [victim] = workerPids(gateway.child.pid!);
    process.kill(victim!, 'SIGKILL');
    // Once the primary knows (a connection handed to a worker in the very instant it is killed
    // is lost with it: node:cluster's round-robin limitation, see docs/reliability.md),
    // the surviving worker answers every request while the replacement starts.
    await until(() => gateway.stdout().includes('a worker stopped unexpectedly; starting a replacement'), 'the primary to see the exit');
    const during = [];
    for (let i = 0; i < 10; i++) during.push(await send(port, 'GET', '/health', {}).then((answer) => answer.status, (error: Error) => error.message));
    expect(during).toEqual(Array.from({ length: 10 }, () => 200));
    await until(() => (gateway.stdout().match(/switchyard listening on http/g) ?? []).length >= 3, 'the replacement to listen', 90_000);
    expect(gateway.stdout()).toMatch(/a worker stopped unexpectedly; starting a replacement/);
    const pids = workerPids(gateway.child.pid!);
    expect(pids).toHaveLength(2);
    expect(pids).not.toContain(victim);
    const after = await Promise.all(Array.from({ length: 12 }, () => send(port, 'GET', '/health', {})));
    expect(after.every((answer) => answer.status === 200)).toBe(true);
    expect(new Set(after.map((answer) => answer.worker)).size).toBe(2);
    // The killed worker's share of the five keyless requests stays counted: a sum that dropped it
    // would go back, which Prometheus reads as a reset (and rate() as a spike).
    const scrapes = [];
    for (let i = 0; i < 4; i++) scrapes.push(await send(port, 'GET', '/metrics', {}));
    expect(new Set(scrapes.map((scrape) => scrape.worker)).size).toBe(2);
    expect(scrapes.map(countedRefusals)).toEqual([5, 5, 5, 5]);
  }, 120_000);

  it('SIGTERM: every worker drains its streams in flight, every usage record reaches the ledger, exit code 0', async () => {
    let started = 0;
    const streams = Array.from({ length: 8 }, () =>
      chat(port, budgetKey.secret, { stream: true, max_tokens: 20, messages: [{ role: 'user', content: 'one two three four five six seven eight' }] }, () => started++),
    );
    // SIGTERM once every stream has its headers (the echo model then takes ~1 s more per stream).
    await until(() => started === streams.length, 'every stream to start');
    gateway.child.kill('SIGTERM');
    const answers = await Promise.all(streams);
    const code = await gateway.exited;
    if (code !== 0) console.error(gateway.stdout(), gateway.stderr());
    expect(code).toBe(0);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('data: [DONE]');
    }
    expect(new Set(answers.map((answer) => answer.worker)).size).toBe(2);
    answeredWithKey += answers.length;

    const database = new Database(path.join(cwd, '.switchyard', 'switchyard.db'), { readonly: true });
    try {
      const ledger = database.prepare('SELECT count(*) AS records, coalesce(sum(cost_usd), 0) AS cost FROM usage WHERE key_id = ?').get(budgetKey.id) as { records: number; cost: number };
      const account = database.prepare('SELECT spent_micros, reserved_micros FROM budget_accounts WHERE owner = ?').get(`key:${budgetKey.id}`) as { spent_micros: number; reserved_micros: number };
      // Refused requests are ledgered too (status 429): count the key's answered ones from the ledger's side.
      const ok = database.prepare('SELECT count(*) AS n FROM usage WHERE key_id = ? AND status = 200').get(budgetKey.id) as { n: number };
      expect(ok.n).toBe(answeredWithKey);
      expect(ledger.records).toBeGreaterThanOrEqual(answeredWithKey);
      // What the budget counts as spent is what the ledger holds, to the micro-dollar.
      expect(account.reserved_micros).toBe(0);
      expect(Math.abs(account.spent_micros - Math.round(ledger.cost * 1e6))).toBeLessThanOrEqual(ok.n);
    } finally {
      database.close();
    }
  }, 120_000);
});

describe('switchyard start --workers 2 on a port already in use', () => {
  it('stops at once with exit 1 and one reason; no master key is saved or printed', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-workers-busy-'));
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busyPort = (blocker.address() as { port: number }).port;
    try {
      const result = await runCli(['start', '--port', String(busyPort), '--workers', '2'], { cwd, env: { SWITCHYARD_MASTER_KEY: '' } });
      expect(result.code).toBe(1);
      // Said once, by the primary, before any worker is forked.
      expect(result.stderr).toBe(`switchyard: cannot listen on 127.0.0.1:${busyPort}: the address is already in use (is another gateway running?)\n`);
      expect(result.stdout).not.toMatch(/starting 2 workers|did not stop cleanly/);
      expect(result.stderr).not.toMatch(/generated a master key/);
      expect(existsSync(path.join(cwd, '.switchyard', 'master-key'))).toBe(false);
    } finally {
      blocker.close();
    }
  }, 120_000);
});
