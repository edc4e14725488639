import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, type BudgetStore, type ReserveResult } from '@switchyard/core';
import { createAdminRouter, hashApiKey } from '@switchyard/policy-keys';
import { refusedPort } from '@switchyard/testing';
import { budgetWindowStart } from '../../../plugins/policy-keys/src/budget-window.js';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryKeyStore } from '../../../plugins/policy-keys/test/support/memory-key-store.js';
import { MemoryUsageLedger, usageRecord } from '../../../plugins/policy-keys/test/support/memory-usage-ledger.js';
import { runCli } from '../../../test/support/run-cli.js';

const masterKey = 'sy-master-cli-keys-test-0123456789';
/**
 * The admin API's and the key store's clock, which the test reads too: real time moved to
 * noon in mid-month, so the budget windows and the "today" the test computes are the ones
 * the gateway computes, even in a run that crosses midnight UTC or the first of a month.
 */
const clockOffsetMs = Date.parse('2026-06-15T12:00:00.000Z') - Date.now();
const now = () => new Date(Date.now() + clockOffsetMs);
const keys = new MemoryKeyStore(now);
const ledger = new MemoryUsageLedger();

/** Settled spend by owner and window; only what the key list reads. */
class SpentBudgets implements BudgetStore {
  private readonly settled = new Map<string, number>();
  spend(owner: string, windowStart: string, usd: number): void {
    this.settled.set(`${owner}@${windowStart}`, (this.settled.get(`${owner}@${windowStart}`) ?? 0) + usd);
  }
  async spent(owner: string, windowStart: string): Promise<number> {
    return this.settled.get(`${owner}@${windowStart}`) ?? 0;
  }
  async migrate(): Promise<void> {}
  async close(): Promise<void> {}
  reserve(): Promise<ReserveResult> {
    throw new Error('not used by the admin API');
  }
  settle(): Promise<void> {
    throw new Error('not used by the admin API');
  }
  renewLeases(): Promise<number> {
    throw new Error('not used by the admin API');
  }
  releaseExpired(): Promise<number> {
    throw new Error('not used by the admin API');
  }
  reserved(): Promise<number> {
    throw new Error('not used by the admin API');
  }
}
const budgets = new SpentBudgets();
let server: Server;
let url: string;
let cwd: string;

beforeAll(async () => {
  const app = express().use('/admin', createAdminRouter({ keys, ledger, budgets, masterKey, now, logger: createLogger({ level: 'silent' }) }));
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-keys-'));
  const today = now().toISOString().slice(0, 10);
  await ledger.append([
    usageRecord({ at: `${today}T00:00:01.000Z`, keyId: 'key_a', team: 'red', inputTokens: 100, outputTokens: 20, costUsd: 0.125 }),
    usageRecord({ at: `${today}T00:00:02.000Z`, keyId: 'key_b', team: 'blue, "green"', inputTokens: 5, outputTokens: 1, costUsd: 0.5, status: 500 }),
  ]);
});

afterAll(async () => {
  server.close();
  await once(server, 'close');
});

/** Runs the built CLI against the test gateway with the master key from the environment. */
function cli(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { cwd, env: { SWITCHYARD_URL: url, SWITCHYARD_MASTER_KEY: masterKey, ...env } });
}

async function createKey(...flags: string[]) {
  const result = await cli(['keys', 'create', '--json', ...flags]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as { key: { id: string; name: string; secret_prefixes: string[] }; secret: string };
}

describe('switchyard keys', () => {
  it('creates a key from flags and shows the secret once', async () => {
    const result = await cli([
      'keys', 'create', '--name', 'search', '--team', 'platform', '--project', 'search', '--user', 'ada',
      '--tag', 'prod', '--tag', 'eu', '--models', 'openai/*, smart', '--endpoints', 'chat',
      '--budget', '10', '--period', 'weekly', '--alert-threshold', '0.5', '--expires-in', '30d',
      '--rpm', '60', '--tpm', '1000', '--max-tokens', '512',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const secret = /\b(sy-[0-9A-Za-z]{43})\b/.exec(result.stdout)?.[1];
    expect(secret).toBeDefined();
    expect(result.stdout).toMatch(/^Created key key_\d+ \(search\)\. Its secret, shown only this once:/);
    const stored = (await keys.findBySecretHash(hashApiKey(secret!), now()))!;
    expect(stored).toMatchObject({
      name: 'search', team: 'platform', project: 'search', user: 'ada', tags: ['prod', 'eu'],
      scope: { models: ['openai/*', 'smart'], endpoints: ['chat'], budget: { limitUsd: 10, period: 'weekly', alertThreshold: 0.5 }, rpm: 60, tpm: 1000, maxTokens: 512 },
    });
    expect(Date.parse(stored.scope.expiresAt!) - now().getTime()).toBeGreaterThan(29 * 86_400_000);

    const shown = await cli(['keys', 'show', stored.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^name\s+search$/m);
    expect(shown.stdout).toMatch(/^budget\s+\$10 weekly, alert at 50%$/m);
    expect(shown.stdout).not.toContain(secret);
  });

  it('lists keys as a table with spend against budget, or as JSON', async () => {
    const { key } = await createKey('--name', 'listed', '--team', 'list-team', '--budget', '3');
    const { key: unbudgeted } = await createKey('--name', 'no-budget', '--team', 'list-team');
    const { key: frugal } = await createKey('--name', 'frugal', '--team', 'list-team', '--budget', '1');
    budgets.spend(`key:${key.id}`, budgetWindowStart('monthly', now()), 0.75);
    budgets.spend(`key:${frugal.id}`, budgetWindowStart('monthly', now()), 0.000049);
    const table = await cli(['keys', 'list', '--team', 'list-team']);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+TEAM\s+PROJECT\s+PREFIX\s+STATUS\s+SPENT\s+BUDGET\s+EXPIRES$/);
    expect(rows.find((row) => row.startsWith(key.id))).toMatch(
      new RegExp(`^${key.id}\\s+listed\\s+list-team\\s+-\\s+${key.secret_prefixes[0]}\\s+active\\s+\\$0\\.750000 \\(25%\\)\\s+\\$3/monthly\\s+-$`),
    );
    // A fraction of a cent is shown as `usage` shows it, not as $0.0000.
    expect(rows.find((row) => row.startsWith(frugal.id))).toMatch(/\sactive\s+\$0\.000049 \(0%\)\s+\$1\/monthly\s+-$/);
    expect(rows.find((row) => row.startsWith(unbudgeted.id))).toMatch(/\sactive\s+-\s+-\s+-$/);
    expect(rows).toHaveLength(3);
    const json = JSON.parse((await cli(['keys', 'list', '--team', 'list-team', '--json'])).stdout) as { data: unknown[]; next_cursor: null };
    expect(json.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: key.id, budget_spent_usd: 0.75 }),
        expect.objectContaining({ id: unbudgeted.id, budget_spent_usd: null }),
      ]),
    );
  });

  it('lists a $0 budget as allowing no spend, not as a share of nothing (it showed no share at all)', async () => {
    const { key: frozen } = await createKey('--name', 'frozen', '--team', 'zero-team', '--budget', '0');
    const { key: cut } = await createKey('--name', 'cut', '--team', 'zero-team', '--budget', '0', '--period', 'daily');
    budgets.spend(`key:${cut.id}`, budgetWindowStart('daily', now()), 0.2);
    const rows = (await cli(['keys', 'list', '--team', 'zero-team'])).stdout.trimEnd().split('\n').slice(1);
    expect(rows.find((row) => row.startsWith(frozen.id))).toMatch(/\sactive\s+\$0\.000000 \(no spend allowed\)\s+\$0\/monthly\s+-$/);
    expect(rows.find((row) => row.startsWith(cut.id))).toMatch(/\sactive\s+\$0\.200000 \(no spend allowed\)\s+\$0\/daily\s+-$/);
  });

  it('updates, rotates with a grace period, revokes, and shows the audit trail', async () => {
    const { key, secret } = await createKey('--name', 'lifecycle');
    const updated = await cli(['keys', 'update', key.id, '--rpm', '5', '--disabled', '--json']);
    expect(JSON.parse(updated.stdout).key).toMatchObject({ scope: { rpm: 5 }, disabled: true, status: 'disabled' });

    const rotated = await cli(['keys', 'rotate', key.id, '--grace', '10m']);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain('The previous secret keeps working for 10m.');
    const newSecret = /\b(sy-[0-9A-Za-z]{43})\b/.exec(rotated.stdout)![1]!;
    expect(newSecret).not.toBe(secret);
    expect((await keys.findBySecretHash(hashApiKey(secret), new Date(now().getTime() + 9 * 60_000)))?.id).toBe(key.id);
    expect(await keys.findBySecretHash(hashApiKey(secret), new Date(now().getTime() + 11 * 60_000))).toBeUndefined();

    const revoked = await cli(['keys', 'revoke', key.id]);
    expect(revoked.stdout).toMatch(/^status\s+revoked$/m);
    const audit = await cli(['keys', 'audit', key.id]);
    expect(audit.stdout.trimEnd().split('\n').slice(1).map((line) => line.split(/\s+/)[1])).toEqual(['create', 'update', 'rotate', 'revoke']);
    expect(audit.stdout).not.toContain(newSecret);
  });

  it('says the previous secret no longer works after a rotation with --grace 0, and reads a bare --grace as seconds', async () => {
    const { key, secret } = await createKey('--name', 'no-grace');
    for (const grace of ['0', '0s']) {
      const rotated = await cli(['keys', 'rotate', key.id, '--grace', grace]);
      expect(rotated.code).toBe(0);
      expect(rotated.stdout).toContain('The previous secret no longer works.');
    }
    expect(await keys.findBySecretHash(hashApiKey(secret), now())).toBeUndefined();
    const seconds = await cli(['keys', 'rotate', key.id, '--grace', '90']);
    expect(seconds.stdout).toContain('The previous secret keeps working for 90s.');
  });

  it('shows an alert threshold as the percentage it is, without float noise', async () => {
    const { key } = await createKey('--name', 'noisy-threshold', '--budget', '5', '--alert-threshold', '0.07');
    const shown = await cli(['keys', 'show', key.id]);
    expect(shown.stdout).toMatch(/^budget\s+\$5 monthly, alert at 7%$/m);
    await cli(['keys', 'update', key.id, '--budget', '5', '--alert-threshold', '0.575']);
    expect((await cli(['keys', 'show', key.id])).stdout).toMatch(/^budget\s+\$5 monthly, alert at 57\.5%$/m);
  });

  it("says how to get a filtered list's next page with its filters: --cursor alone went on through every team's keys", async () => {
    for (const name of ['p1', 'p2', 'p3']) await createKey('--name', name, '--team', "page team's", '--tag=-ci');
    await createKey('--name', 'elsewhere', '--team', 'other-page-team', '--tag=-ci');
    const first = await cli(['keys', 'list', '--team', "page team's", '--tag=-ci', '--limit', '2']);
    expect(first.code).toBe(0);
    const more = /^More keys: (.*)$/m.exec(first.stdout);
    expect(more?.[1]).toMatch(/^--team 'page team'\\''s' --limit 2 --tag=-ci --cursor \S+$/);
    // The hint's words, as a shell reads them.
    const words = execFileSync('sh', ['-c', `printf '%s\\0' ${more![1]!}`], { encoding: 'utf8' }).split('\0').slice(0, -1);
    const next = await cli(['keys', 'list', ...words, '--json']);
    expect(JSON.parse(next.stdout).data.map((key: { name: string }) => key.name)).toEqual(['p3']);
  });

  it('shows the audit trail a page at a time with --limit and --cursor, saying how to get more', async () => {
    const { key } = await createKey('--name', 'busy');
    for (const rpm of ['1', '2', '3']) expect((await cli(['keys', 'update', key.id, '--rpm', rpm])).code).toBe(0);
    const first = await cli(['keys', 'audit', key.id, '--limit', '2']);
    expect(first.code).toBe(0);
    const more = /^More entries: --cursor (\S+)$/m.exec(first.stdout);
    expect(more).not.toBeNull();
    expect(first.stdout.split('\n').slice(1, 3).map((line) => line.split(/\s+/)[1])).toEqual(['create', 'update']);
    const rest = await cli(['keys', 'audit', key.id, '--limit', '2', '--cursor', more![1]!, '--json']);
    const page = JSON.parse(rest.stdout) as { data: Array<{ action: string; details: { scope: { rpm: number } } }>; next_cursor: string | null };
    expect(page.data.map((entry) => entry.details.scope.rpm)).toEqual([2, 3]);
    expect(page.next_cursor).toBeNull();
  });

  it('prints control characters of a stored name visibly, in the list, the key and a rotation', async () => {
    // Written to the store directly, as a name stored before the admin API refused them could be.
    const name = 'evil\u001b[2J\u001b]0;pwned\u0007\nkey_fake  forged row\u009b31m';
    const stored = await keys.create({ name, team: 'ctl-team' }, { hash: hashApiKey('sy-ctl-name-0123456789abcdef'), prefix: 'sy-ctl' });
    const shown = 'evil\\x1b[2J\\x1b]0;pwned\\x07\\nkey_fake  forged row\\x9b31m';
    const terminalControls = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

    const list = await cli(['keys', 'list', '--team', 'ctl-team']);
    expect(list.code).toBe(0);
    expect(list.stdout).not.toMatch(terminalControls);
    const [header, row, ...rest] = list.stdout.trimEnd().split('\n');
    expect(rest).toEqual([]);
    expect(row!.startsWith(`${stored.id}  ${shown}  ctl-team`)).toBe(true);
    // The columns still line up: TEAM starts where its header does.
    expect(row!.indexOf('ctl-team')).toBe(header!.indexOf('TEAM'));

    const show = await cli(['keys', 'show', stored.id]);
    expect(show.stdout).not.toMatch(terminalControls);
    expect(show.stdout).toContain(shown);
    const rotated = await cli(['keys', 'rotate', stored.id]);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).not.toMatch(terminalControls);
    expect(rotated.stdout).toContain(`(${shown})`);
  });

  it('reports what the gateway refused, naming the field', async () => {
    const bad = await cli(['keys', 'create', '--name', 'x', '--budget', '5', '--period', 'hourly']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^switchyard: .*scope\.budget\.period.*\[400 invalid_request\]\n$/);
    const missing = await cli(['keys', 'show', 'key_missing']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("switchyard: No key with id 'key_missing'. [404 key_not_found]\n");
  });

  it('takes a key out of its team, project or user with --no-team, --no-project, --no-user', async () => {
    const { key } = await createKey('--name', 'owned', '--team', 'ops', '--project', 'atlas', '--user', 'ana');
    const cleared = await cli(['keys', 'update', key.id, '--no-team', '--no-user', '--json']);
    expect(cleared.stderr).toBe('');
    const shown = JSON.parse(cleared.stdout).key as Record<string, unknown>;
    expect(shown).toMatchObject({ name: 'owned', team: null, project: 'atlas', user: null });
    expect(JSON.parse((await cli(['keys', 'update', key.id, '--no-project', '--json'])).stdout).key).toMatchObject({ team: null, project: null });
    for (const [args, line] of [
      [['keys', 'update', key.id, '--team', 'red', '--no-team'], 'give --team or --no-team, not both'],
      [['keys', 'create', '--name', 'x', '--no-team'], 'keys create does not take --no-team (see switchyard keys --help)'],
    ] as const) {
      const result = await cli([...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toBe(`switchyard: ${line}\n`);
    }
    expect((await keys.get(key.id))?.team ?? null).toBeNull();
  });

  it('clears scope fields with --no-models, --no-endpoints, --no-budget, --no-rpm, --no-tpm, --no-max-tokens, --no-expiry', async () => {
    const scoped = ['--models', 'smart', '--endpoints', 'chat', '--budget', '5', '--period', 'daily', '--rpm', '10', '--tpm', '1000', '--max-tokens', '50', '--expires-in', '30d'];
    const { key } = await createKey('--name', 'unscoped-later', ...scoped);
    const partly = await cli(['keys', 'update', key.id, '--no-budget', '--no-rpm', '--json']);
    expect(partly.stderr).toBe('');
    expect(JSON.parse(partly.stdout).key.scope).toEqual({ models: ['smart'], endpoints: ['chat'], tpm: 1000, max_tokens: 50, expires_at: expect.any(String) });
    const rest = ['--no-models', '--no-endpoints', '--no-tpm', '--no-max-tokens', '--no-expiry'];
    const cleared = await cli(['keys', 'update', key.id, ...rest, '--json']);
    expect(cleared.stderr).toBe('');
    expect(JSON.parse(cleared.stdout).key).toMatchObject({ scope: {}, expires_at: null, status: 'active' });
    expect((await keys.get(key.id))?.scope).toEqual({});
    for (const [args, line] of [
      [['--rpm', '5', '--no-rpm'], 'give --rpm or --no-rpm, not both'],
      [['--models', 'smart', '--no-models'], 'give --models or --no-models, not both'],
      [['--budget', '5', '--no-budget'], 'give --budget or --no-budget, not both'],
      [['--period', 'weekly', '--no-budget'], '--period and --alert-threshold go with --budget'],
      [['--expires-in', '1d', '--no-expiry'], 'give --expires-in, --expires-at or --no-expiry, not more than one'],
      [['--expires-at', '2099-01-01T00:00:00Z', '--no-expiry'], 'give --expires-in, --expires-at or --no-expiry, not more than one'],
    ] as const) {
      const result = await cli(['keys', 'update', key.id, ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toBe(`switchyard: ${line}\n`);
    }
    const refused = await cli(['keys', 'create', '--name', 'x', '--no-rpm']);
    expect(refused.stderr).toBe('switchyard: keys create does not take --no-rpm (see switchyard keys --help)\n');
  });

  it('refuses bad command lines before calling the gateway', async () => {
    for (const args of [['keys', 'create'], ['keys', 'create', '--name', 'x', '--rpm', 'fast'], ['keys', 'show'], ['keys', 'explode'], ['keys', 'update', 'key_1'], ['keys', 'create', '--bogus']]) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/^switchyard: /);
    }
  });

  it('refuses a name given both as an argument and as --name (the argument was dropped without a word)', async () => {
    const before = (await keys.list({ limit: 100, includeRevoked: true })).keys.length;
    const result = await cli(['keys', 'create', 'billing', '--name', 'prod']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("switchyard: give the name as --name or as an argument, not both (got 'billing' and --name 'prod')\n");
    expect((await keys.list({ limit: 100, includeRevoked: true })).keys).toHaveLength(before);
    expect((await createKey('by-argument')).key.name).toBe('by-argument');
  });

  it("refuses '.' and '..' as a key id: the URL read them as steps in its path, and `keys show .` showed the key list", async () => {
    for (const [action, id] of [['show', '.'], ['show', '..'], ['audit', '.'], ['revoke', '.'], ['rotate', '..'], ['update', '.']] as const) {
      const result = await cli(['keys', action, id, ...(action === 'update' ? ['--team', 'x'] : []), '--json']);
      expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }, `${action} ${id}`).toEqual({
        code: 2,
        stdout: '',
        stderr: `switchyard: keys ${action}: '${id}' is not a key id (see switchyard keys list)\n`,
      });
    }
    const shown = await cli(['keys', 'show', '.']);
    expect(shown.stderr).not.toContain('TypeError');
  });

  it('refuses a --models or --endpoints that names none (it made a key refusing every model, without a word)', async () => {
    const key = await createKey('--name', 'scoped-list-check', '--models', 'smart');
    for (const [args, line] of [
      [['keys', 'create', '--name', 'no-models', '--models', ''], "--models names none, got '': give a comma-separated list (names or globs, openai/*,smart)"],
      [['keys', 'create', '--name', 'no-models', '--models', ' , '], "--models names none, got ' , ': give a comma-separated list (names or globs, openai/*,smart)"],
      [['keys', 'create', '--name', 'no-models', '--endpoints', ''], "--endpoints names none, got '': give a comma-separated list (chat,embeddings)"],
      [['keys', 'update', key.key.id, '--models', ''], "--models names none, got '': give a comma-separated list (names or globs, openai/*,smart)"],
    ] as const) {
      const result = await cli([...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toBe(`switchyard: ${line}\n`);
    }
    // Nothing was created or changed on the way.
    const listed = JSON.parse((await cli(['keys', 'list', '--json'])).stdout) as { data: Array<{ name: string }> };
    expect(listed.data.map((each) => each.name)).not.toContain('no-models');
    const shown = JSON.parse((await cli(['keys', 'show', key.key.id, '--json'])).stdout) as { key: { scope: Record<string, unknown> } };
    expect(shown.key.scope).toEqual({ models: ['smart'] });
  });

  it('refuses a flag the action does not read (it was ignored: `keys list --name x` listed every key)', async () => {
    const key = await createKey('--name', 'flags-check');
    for (const [args, flag] of [
      [['keys', 'list', '--name', 'x'], 'name'],
      [['keys', 'show', key.key.id, '--budget', '5'], 'budget'],
      [['keys', 'revoke', key.key.id, '--grace', '10m'], 'grace'],
      [['keys', 'rotate', key.key.id, '--rpm', '5'], 'rpm'],
      [['keys', 'create', '--name', 'x', '--limit', '5'], 'limit'],
      [['keys', 'update', key.key.id, '--rpm', '5', '--include-revoked'], 'include-revoked'],
      [['keys', 'audit', key.key.id, '--team', 't'], 'team'],
    ] as const) {
      const result = await cli([...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toBe(`switchyard: keys ${args[1]} does not take --${flag} (see switchyard keys --help)\n`);
    }
    // Nothing was changed on the way.
    const shown = JSON.parse((await cli(['keys', 'show', key.key.id, '--json'])).stdout) as { key: { status: string; scope: Record<string, unknown> } };
    expect(shown.key.status).toBe('active');
    expect(shown.key.scope).toEqual({});
    const both = await cli(['usage', '--json', '--format', 'csv']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe("switchyard: give --json or --format 'csv', not both\n");
  });

  it('quotes what was typed with its control characters written out, bounded, and a pasted key blanked', async () => {
    // Each echoed a value as typed: an ESC sequence in it reached the terminal (cleared it, retitled it).
    const terminalControls = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
    const typed = '\u001b[2J\u001b]0;pwned\u0007\u009b31m';
    const shown = '\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m';
    const commandLines = [
      ['keys', 'create', '--name', 'x', '--rpm', typed],
      ['keys', 'create', '--name', 'x', '--budget', typed],
      ['keys', 'show', 'key_1', typed],
      ['keys', `explode${typed}`],
      ['keys', 'create', `--${typed}`],
      ['keys', 'list', '--url', `ftp://${typed}`],
      ['usage', '--format', typed],
      ['usage', typed],
    ];
    for (const args of commandLines) {
      const result = await cli(args);
      const label = JSON.stringify(args);
      expect(result.code, label).toBe(2);
      const [first] = result.stderr.split('\n');
      expect(first, label).toMatch(/^switchyard: /);
      expect(first, label).not.toMatch(terminalControls);
      expect(first, label).toContain(shown);
    }
    // A URL with control characters in its host is no URL: named as typed, its controls written out.
    const unreachable = await cli(['keys', 'list', '--url', `http://${typed}`]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).not.toMatch(terminalControls);
    expect(unreachable.stderr).toContain(`http://${shown}`);

    const long = await cli(['keys', 'create', '--name', 'x', '--rpm', `${'9'.repeat(20_000)}x`]);
    expect(long.code).toBe(2);
    expect(long.stderr.length).toBeLessThan(200);
    expect(long.stderr).toMatch(/^switchyard: --rpm must be a number, got '9+…'\n$/);

    const pasted = await cli(['keys', 'create', '--name', 'x', '--tpm', 'sk-proj-pasted0secret0123456789']);
    expect(pasted.code).toBe(2);
    expect(pasted.stderr).toBe("switchyard: --tpm must be a number, got '[REDACTED]'\n");
  });

  it('--help states the master key precedence the code follows: the flag, then the variable, then the default file', async () => {
    // The flag wins over a set SWITCHYARD_MASTER_KEY (cli() sets it): a wrong key in the file is sent.
    await writeFile(path.join(cwd, 'other-key'), 'sy-not-the-master-key-654321\n');
    expect((await cli(['keys', 'list', '--master-key-file', 'other-key'])).stderr).toContain('[401 invalid_api_key]');
    const order = /--master-key-file[^\n]*\n?[^\n]*else SWITCHYARD_MASTER_KEY[^\n]*\n?[^\n]*else \.switchyard\/master-key/;
    for (const args of [['--help'], ['keys', '--help'], ['usage', '--help']]) {
      const help = await runCli(args, { cwd, env: {} });
      expect(help.stdout, args.join(' ')).toMatch(order);
    }
  });

  it('finds the master key in a file, and says when the key is wrong or the gateway is down', async () => {
    await mkdir(path.join(cwd, '.switchyard'), { recursive: true });
    await writeFile(path.join(cwd, '.switchyard', 'master-key'), `${masterKey}\n`);
    await writeFile(path.join(cwd, 'wrong-key'), 'sy-not-the-master-key-123456\n');
    expect((await cli(['keys', 'list'], { SWITCHYARD_MASTER_KEY: '' })).code).toBe(0);
    const wrong = await cli(['keys', 'list', '--master-key-file', 'wrong-key']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('[401 invalid_api_key]');
    expect(wrong.stderr).not.toContain('sy-not-the-master-key');
    const noKey = await runCli(['keys', 'list', '--url', url], { cwd: tmpdir(), env: { SWITCHYARD_MASTER_KEY: '' } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/no master key: set SWITCHYARD_MASTER_KEY or pass --master-key-file/);
    const closedUrl = `http://127.0.0.1:${await refusedPort()}`;
    const down = await cli(['keys', 'list', '--url', closedUrl]);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`switchyard: cannot reach the gateway at ${closedUrl} (ECONNREFUSED): is it running? Set --url or SWITCHYARD_URL.\n`);
  });

  it('never prints the master key a refusal quotes back (a proxy or another server at --url echoing the Authorization header it got)', async () => {
    // A key set by hand has no prefix to be recognised by; each answer spells it as such servers do.
    const key = 'correct-horse-battery-staple-2026';
    const echoes: Array<[string, string, (authorization: string) => string]> = [
      ['a gateway-shaped error quoting it', 'application/json', (authorization) => JSON.stringify({ error: { message: `token ${authorization.slice(7)} is not valid here`, code: 'forbidden' } })],
      ['JSON echoing the headers, escaped', 'application/json', (authorization) => `{"headers":{"authorization":"${authorization.replace(' ', '\\u0020').replace(/-/g, '\\u002d')}"}}`],
      ['an HTML page quoting it percent-encoded', 'text/html', (authorization) => `<html><body>403: ${encodeURIComponent(authorization)} is not allowed</body></html>`],
    ];
    for (const [label, contentType, body] of echoes) {
      const echo = express().use((req, res) => void res.status(403).type(contentType).send(body(req.headers.authorization ?? '')));
      const echoServer = echo.listen(0, '127.0.0.1');
      await once(echoServer, 'listening');
      try {
        const result = await cli(['keys', 'list', '--url', `http://127.0.0.1:${(echoServer.address() as AddressInfo).port}`], { SWITCHYARD_MASTER_KEY: key });
        expect(result.code, label).toBe(1);
        expect(result.stderr, label).toContain('[REDACTED]');
        expect(result.stderr, label).not.toMatch(/staple|battery/);
      } finally {
        echoServer.close();
        await once(echoServer, 'close');
      }
    }
  });

  it('refuses a master key a header cannot carry (a second line in its file, a control character) without printing it', async () => {
    await writeFile(path.join(cwd, 'two-lines'), 'sy-master-two-lines-secret-0123\nsecond line\n');
    const fromFile = await cli(['keys', 'list', '--master-key-file', 'two-lines']);
    const fromEnv = await cli(['keys', 'list'], { SWITCHYARD_MASTER_KEY: 'sy-master-ctl-secret-0123\u0001' });
    for (const result of [fromFile, fromEnv]) {
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^switchyard: the master key from (SWITCHYARD_MASTER_KEY|\S+two-lines) holds a space, a line break or a control character: the gateway reads no such key from a header\n$/);
      expect(result.stderr).not.toContain('secret-0123');
    }
  });

  it('refuses a --url or SWITCHYARD_URL holding a user or password without printing them', async () => {
    const withPassword = url.replace('http://', 'http://admin:url-password-secret@');
    for (const [result, source] of [
      [await cli(['keys', 'list', '--url', withPassword]), '--url'],
      [await cli(['usage'], { SWITCHYARD_URL: withPassword }), 'SWITCHYARD_URL'],
    ] as const) {
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`switchyard: ${source} must not hold a user name or password: the master key is what opens the admin API\n`);
    }
  });

  // A URL fetch cannot parse was "cannot reach the gateway at … (ERR_INVALID_URL): is it running?", exit 1,
  // as if the gateway were down; an empty SWITCHYARD_URL was "--url must be an http(s) URL, got ''".
  it('refuses a --url or SWITCHYARD_URL that is no URL as a wrong command line, naming where it came from', async () => {
    for (const typed of ['http://127.0.0.1:99999', 'http://[::1', 'http://127.0.0.1:4000/a b', 'ftp://127.0.0.1']) {
      for (const [result, source] of [
        [await cli(['keys', 'list', '--url', typed]), '--url'],
        [await cli(['usage'], { SWITCHYARD_URL: typed }), 'SWITCHYARD_URL'],
      ] as const) {
        expect(result.stderr, typed).toBe(`switchyard: ${source} must be an http(s) URL, got '${typed}'\n`);
        expect(result.code, typed).toBe(2);
      }
    }
  });

  // The admin path was put after the query: `http://host:4000?x=1` asked `GET /?x=1/admin/keys`,
  // and the line was the gateway's "Unknown endpoint GET /"; a fragment was dropped with the path.
  it('refuses a --url or SWITCHYARD_URL with a ?query or #fragment, which the admin path would follow', async () => {
    for (const typed of [`${url}?x=1`, `${url}/#admin`]) {
      for (const [result, source] of [
        [await cli(['keys', 'list', '--url', typed]), '--url'],
        [await cli(['usage'], { SWITCHYARD_URL: typed }), 'SWITCHYARD_URL'],
      ] as const) {
        expect(result.stderr, typed).toBe(`switchyard: ${source} must be the gateway's address, without a ?query or #fragment, got '${typed}'\n`);
        expect(result.stdout, typed).toBe('');
        expect(result.code, typed).toBe(2);
      }
    }
  });

  it('takes an empty SWITCHYARD_URL as unset, as an empty SWITCHYARD_MASTER_KEY is: the default URL', async () => {
    // Past the URL, the next check answers: the master key file named is missing (no gateway is called).
    const result = await cli(['keys', 'list', '--master-key-file', 'no-such-key-file'], { SWITCHYARD_URL: '' });
    expect(result.stderr).toMatch(/^switchyard: no master key: set SWITCHYARD_MASTER_KEY or pass --master-key-file \(\S+no-such-key-file does not exist\)\n$/);
    expect(result.code).toBe(2);
  });
});

describe('switchyard usage', () => {
  it('prints a table with totals', async () => {
    const result = await cli(['usage', '--group-by', 'team']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Usage by team, \S+ to \S+$/);
    expect(lines[2]).toMatch(/^TEAM\s+REQUESTS\s+INPUT TOKENS\s+OUTPUT TOKENS\s+COST\s+ERRORS\s+ESTIMATED$/);
    expect(lines.slice(3).map((line) => line.split(/\s{2,}/))).toEqual([
      ['blue, "green"', '1', '5', '1', '$0.500000', '1', '-'],
      ['red', '1', '100', '20', '$0.125000', '0', '-'],
      ['TOTAL', '2', '105', '21', '$0.625000', '1', '-'],
    ]);
  });

  it('passes CSV and JSON through', async () => {
    const csv = await cli(['usage', '--group-by', 'team', '--format', 'csv']);
    expect(csv.stdout).toBe(
      'team,requests,input_tokens,output_tokens,cached_input_tokens,reasoning_tokens,cost_usd,errors,estimated_requests,estimated_cost_usd\r\n' +
        '"blue, ""green""",1,5,1,0,0,0.5,1,0,0\r\nred,1,100,20,0,0,0.125,0,0,0\r\n',
    );
    const json = JSON.parse((await cli(['usage', '--json', '--key', 'key_a'])).stdout) as { group_by: string; data: Array<{ group: string }> };
    expect(json.group_by).toBe('key');
    expect(json.data.map((row) => row.group)).toEqual(['key_a']);
  });

  it('reports a bad window from the gateway and a bad format itself', async () => {
    const window = await cli(['usage', '--from', 'yesterday']);
    expect(window.code).toBe(1);
    expect(window.stderr).toMatch(/from: expected an ISO date/);
    expect((await cli(['usage', '--format', 'xml'])).code).toBe(2);
  });
});
