import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageRecord } from '../../../plugins/policy-keys/test/support/memory-usage-ledger.js';
import { usageCommand } from '../src/commands/usage.js';
import { startUsageAdmin, type UsageAdmin } from './support/usage-admin.js';

/**
 * `switchyard usage`'s table shows how much of each group's cost rests on the gateway's
 * estimates (records without the provider's usage), and a footnote saying what that means;
 * a window without estimates shows `-` and no footnote.
 */
const masterKey = 'sy-master-cli-usage-estimated-0123456';
let admin: UsageAdmin;

beforeAll(async () => {
  const at = new Date().toISOString();
  admin = await startUsageAdmin(masterKey, [
    usageRecord({ at, keyId: 'key_a', team: 'alpha', costUsd: 0.0017, usageEstimated: true, status: 499, errorCode: 'client_closed_request' }),
    usageRecord({ at, keyId: 'key_a', team: 'alpha', costUsd: 0.0017, usageEstimated: true }),
    usageRecord({ at, keyId: 'key_a', team: 'alpha', costUsd: 0.5 }),
    usageRecord({ at, keyId: 'key_b', team: 'beta', costUsd: 0.25 }),
    usageRecord({ at, keyId: 'key_c', team: 'gamma', costUsd: 0.0017, usageEstimated: true }),
  ]);
});

afterAll(() => admin.close());

async function table(args: string[]): Promise<string> {
  let printed = '';
  const code = await usageCommand(args, admin.env, admin.cwd, { write: (text) => void (printed += text), isTTY: false });
  expect(code).toBe(0);
  return printed;
}

describe('switchyard usage table: estimated spend', () => {
  it('shows per group and in total the estimated cost and requests, and says what an estimate is', async () => {
    const printed = await table(['--group-by', 'team']);
    const lines = printed.trimEnd().split('\n');
    expect(lines[2]!.split(/\s{2,}/)).toEqual(['TEAM', 'REQUESTS', 'INPUT TOKENS', 'OUTPUT TOKENS', 'COST', 'ERRORS', 'ESTIMATED']);
    const rows = lines.slice(3, 7).map((line) => line.split(/\s{2,}/));
    expect(rows.map((row) => [row[0], row[4], row[6]])).toEqual([
      ['alpha', '$0.503400', '$0.003400 (2 req)'],
      ['beta', '$0.250000', '-'],
      ['gamma', '$0.001700', '$0.001700 (1 req)'],
      ['TOTAL', '$0.755100', '$0.005100 (3 req)'],
    ]);
    expect(printed).toContain("ESTIMATED: the part of COST billed on the gateway's estimate of the tokens");
  });

  it('a window without estimates shows - and no footnote', async () => {
    const printed = await table(['--key', 'key_b']);
    expect(printed.trimEnd().split('\n').slice(3).map((line) => line.split(/\s{2,}/)[6])).toEqual(['-', '-']);
    expect(printed).not.toContain('ESTIMATED:');
  });

  it('--json passes the API\'s estimated fields through', async () => {
    const report = JSON.parse(await table(['--group-by', 'team', '--json'])) as { data: Array<{ group: string; estimated_requests: number; estimated_cost_usd: number }> };
    expect(report.data.map((row) => [row.group, row.estimated_requests, row.estimated_cost_usd])).toEqual([
      ['alpha', 2, 0.0034],
      ['beta', 0, 0],
      ['gamma', 1, 0.0017],
    ]);
  });
});
