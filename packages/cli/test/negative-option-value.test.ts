import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/run-cli.js';

/*
 * `--port -1` got Node parseArgs's "Option '--port' argument is ambiguous.\nDid you forget …"
 * on one line with a literal `\n` in it twice, where `--port=-1` got "--port must be an integer
 * from 0 to 65535, got '-1'". A negative number after an option that takes a value is now that
 * value, and any other value starting with '-' gets one clear line.
 */

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-negative-value-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const env = { SWITCHYARD_MASTER_KEY: 'sy-master-negative-0123456789', SWITCHYARD_URL: 'http://127.0.0.1:9' };

describe('an option given a negative number as its own argument', () => {
  it.each([
    [['start', '--port', '-1'], ['start', '--port=-1'], 2],
    [['start', '-p', '-1'], ['start', '--port=-1'], 2],
    [['start', '--workers', '-1'], ['start', '--workers=-1'], 2],
    [['start', '-w', '-2.5'], ['start', '--workers=-2.5'], 2],
    // Sent to the gateway, which is not there (exit 1): the flag was read.
    [['keys', 'list', '--limit', '-1'], ['keys', 'list', '--limit=-1'], 1],
  ])('switchyard %j says what %j says', async (spaced, joined, code) => {
    const [spacedResult, joinedResult] = await Promise.all([runCli(spaced, { cwd, env }), runCli(joined, { cwd, env })]);
    expect(joinedResult.code).toBe(code);
    expect(joinedResult.stderr).not.toContain('ambiguous');
    expect(spacedResult).toEqual(joinedResult);
  });
});

describe('an option followed by a value starting with "-" that is no number', () => {
  it.each([
    [['start', '--host', '-x'], "switchyard: option '--host' needs a value (one starting with '-' is written '--host=-XYZ')"],
    [['start', '-c', '-x'], "switchyard: option '-c' needs a value (one starting with '-' is written '--config=-XYZ' or '-c-XYZ')"],
  ])('switchyard %j: one clear line, no literal \\n, exit 2', async (args, line) => {
    const result = await runCli(args, { cwd, env });
    expect(result.code).toBe(2);
    const [first] = result.stderr.split('\n');
    expect(first).toBe(line);
    expect(result.stderr).not.toContain('\\n');
  });
});
