import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageRecord } from '../../../plugins/policy-keys/test/support/memory-usage-ledger.js';
import { usageCommand } from '../src/commands/usage.js';
import { startUsageAdmin, type UsageAdmin } from './support/usage-admin.js';

/**
 * `switchyard usage`'s table shows each group's spend and the total to the micro-dollar,
 * as `GET /admin/usage` and the dashboard do: a key that spent $0.000049 is not $0.0000,
 * and the TOTAL row is what the rows shown add up to.
 */
const masterKey = 'sy-master-cli-usage-cost-0123456789';
let admin: UsageAdmin;

beforeAll(async () => {
  const at = new Date().toISOString();
  admin = await startUsageAdmin(masterKey, [
    usageRecord({ at, keyId: 'key_a', team: 'alpha', costUsd: 0.000049 }),
    usageRecord({ at, keyId: 'key_b', team: 'beta', costUsd: 0.00005 }),
    usageRecord({ at, keyId: 'key_c', team: 'gamma', costUsd: 0.00005 }),
    usageRecord({ at, keyId: 'key_d', team: 'delta', costUsd: 0.1 }),
    usageRecord({ at, keyId: 'key_e', team: 'epsilon', costUsd: 0.2 }),
  ]);
});

afterAll(() => admin.close());

describe('switchyard usage table', () => {
  it('shows spend per group and the total to the micro-dollar, the total adding up the rows', async () => {
    let printed = '';
    const code = await usageCommand(['--group-by', 'team'], admin.env, admin.cwd, {
      write: (text) => void (printed += text),
      isTTY: false,
    });
    expect(code).toBe(0);
    const rows = printed.trimEnd().split('\n').slice(3).map((line) => line.split(/\s{2,}/));
    expect(rows.map((row) => [row[0], row[4]])).toEqual([
      ['alpha', '$0.000049'],
      ['beta', '$0.000050'],
      ['delta', '$0.100000'],
      ['epsilon', '$0.200000'],
      ['gamma', '$0.000050'],
      ['TOTAL', '$0.300149'],
    ]);
  });
});
