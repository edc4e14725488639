import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageRecord } from '../../../plugins/policy-keys/test/support/memory-usage-ledger.js';
import { runCli } from '../../../test/support/run-cli.js';
import { usageCommand } from '../src/commands/usage.js';
import { startUsageAdmin, type UsageAdmin } from './support/usage-admin.js';

/**
 * `switchyard usage --format csv` passes the gateway's CSV through. Its cells hold names
 * others chose (a team name with an ESC sequence that clears or retitles the terminal, a
 * bidirectional override, a line break): to a terminal they are written out, not acted
 * on, while the records stay one a line; to a file or pipe the CSV is byte for byte the gateway's.
 */
const masterKey = 'sy-master-cli-usage-csv-0123456789';
let admin: UsageAdmin;
const args = ['--group-by', 'team', '--format', 'csv'];
/** What a terminal acts on; the record breaks (CR LF) are the only ones allowed. */
const terminalControls = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

beforeAll(async () => {
  const at = new Date().toISOString();
  admin = await startUsageAdmin(masterKey, [
    usageRecord({ at, keyId: 'key_a', team: '\u001b]0;pwned\u0007\u001b[2Jred', inputTokens: 1 }),
    usageRecord({ at, keyId: 'key_b', team: 'two\r\nlines, "quoted"', inputTokens: 2 }),
    usageRecord({ at, keyId: 'key_c', team: 'txt.exe\u202egpj', inputTokens: 3 }),
  ]);
});

afterAll(() => admin.close());

describe('switchyard usage --format csv', () => {
  it('writes control characters in cells out to a terminal, one record a line', async () => {
    let printed = '';
    const code = await usageCommand(args, admin.env, admin.cwd, { write: (text) => void (printed += text), isTTY: true });
    expect(code).toBe(0);
    expect(printed).not.toMatch(terminalControls);
    expect(printed.split('\r\n')).toEqual([
      'team,requests,input_tokens,output_tokens,cached_input_tokens,reasoning_tokens,cost_usd,errors,estimated_requests,estimated_cost_usd',
      '"\\x1b]0;pwned\\x07\\x1b[2Jred",1,1,0,0,0,0,0,0,0',
      '"two\\r\\nlines, ""quoted""",1,2,0,0,0,0,0,0,0',
      'txt.exe\\u202egpj,1,3,0,0,0,0,0,0,0',
      '',
    ]);
  });

  it('passes the gateway CSV through untouched to a pipe', async () => {
    const gateway = await fetch(`${admin.env['SWITCHYARD_URL']}/admin/usage?group_by=team&format=csv`, { headers: { authorization: `Bearer ${masterKey}` } });
    const piped = await runCli(['usage', ...args], { cwd: admin.cwd, env: admin.env });
    expect(piped.code).toBe(0);
    expect(piped.stdout).toBe(await gateway.text());
    expect(piped.stdout).toContain('\u001b]0;pwned');
  });
});

describe('switchyard usage --help', () => {
  it('names every --group-by the admin API takes (error_code was missing: the API and docs/dashboard.md have it)', async () => {
    const { usageQuerySchema } = await import('../../../plugins/policy-keys/src/admin/admin-schemas.js');
    const groups = (usageQuerySchema.properties as { group_by: { enum: string[] } }).group_by.enum;
    const { stdout, code } = await runCli(['usage', '--help'], { cwd: admin.cwd });
    expect(code).toBe(0);
    const line = stdout.split('\n').find((text) => text.includes('--group-by'))!;
    expect(line.match(/--group-by (\S+)/)![1]!.split('|')).toEqual(groups);
  });
});
