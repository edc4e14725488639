import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageRecord } from '../../../plugins/policy-keys/test/support/memory-usage-ledger.js';
import { usageCommand } from '../src/commands/usage.js';
import { startUsageAdmin, type UsageAdmin } from './support/usage-admin.js';

/**
 * `/admin/usage` lists 100 groups unless asked for more (1000 at most) and sums the rest into
 * one `(other)` row. `switchyard usage` is an export: it asks for the most the API gives, takes
 * `--limit` for fewer, shows the folded row as such and says on stderr that groups were folded.
 */
const masterKey = 'sy-master-cli-usage-folded-0123456789';
let admin: UsageAdmin;

beforeAll(async () => {
  const at = new Date(Date.now() - 60_000).toISOString();
  // 1,003 models of one request each, model-N costing N micro-dollars.
  admin = await startUsageAdmin(
    masterKey,
    Array.from({ length: 1003 }, (_, index) => usageRecord({ at, keyId: 'key_a', provider: 'p', model: `model-${index + 1}`, costUsd: (index + 1) / 1_000_000 })),
  );
});

afterAll(() => admin.close());

async function run(args: string[]) {
  let printed = '';
  let noticed = '';
  const code = await usageCommand(args, admin.env, admin.cwd, { write: (text) => void (printed += text), notice: (text) => void (noticed += text), isTTY: false });
  return { code, printed, noticed };
}

describe('switchyard usage over more groups than an answer lists', () => {
  it('asks for the most groups the API gives, marks the folded row and says so on stderr', async () => {
    const { code, printed, noticed } = await run(['--group-by', 'model']);
    expect(code).toBe(0);
    const lines = printed.trimEnd().split('\n');
    // Title, blank, header, 1000 models, the folded row, TOTAL.
    expect(lines).toHaveLength(3 + 1000 + 1 + 1);
    expect(lines.at(-2)).toMatch(/^\(other: 3 groups\)\s+3\s/);
    expect(lines.at(-2)).toContain('$0.000006');
    // 1 + 2 + … + 1003 micro-dollars.
    expect(lines.at(-1)).toMatch(/^TOTAL\s+1003\s.*\$0\.503506/);
    expect(noticed).toBe('switchyard: 3 groups past the 1000 costliest are summed in the (other) row; narrow --from/--to or --key to list them.\n');
  });

  it('takes --limit for fewer groups, and writes the API\'s CSV as it is, noting the fold on stderr', async () => {
    const { printed, noticed } = await run(['--group-by', 'model', '--limit', '2', '--format', 'csv']);
    const lines = printed.trimEnd().split('\r\n');
    expect(lines.map((line) => line.split(',')[0])).toEqual(['model', 'p/model-1002', 'p/model-1003', '(other)']);
    expect(noticed).toContain('1001 groups past the 2 costliest are summed in the (other) row');
  });

  it('says nothing when every group is listed', async () => {
    const { printed, noticed } = await run(['--group-by', 'key', '--json']);
    expect(JSON.parse(printed)).toMatchObject({ limit: 1000, folded_groups: 0 });
    expect(noticed).toBe('');
  });

  it.each(['0', 'abc', '1001'])('refuses --limit %s before asking the gateway', async (limit) => {
    await expect(run(['--limit', limit])).rejects.toThrow(/--limit must be an integer from 1 to 1000/);
  });
});
