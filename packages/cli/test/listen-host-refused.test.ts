import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/run-cli.js';

/*
 * `--host` with more than 255 characters (or a name the resolver refuses outright) got
 * `switchyard: Error: getaddrinfo EINVAL aaaa…` (every character of it) and a stack trace,
 * exit 1: listenFailure knew ENOTFOUND but not EINVAL. And a host that cannot be one is a
 * wrong option like any other: exit 2.
 */

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-listen-host-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const longHost = 'a'.repeat(300);

describe('switchyard start --host that cannot be listened on', () => {
  it.each([
    ['one process', []],
    ['a cluster', ['--workers', '2']],
  ])('--host of 300 characters (%s): one line naming it, cut, exit 2, no stack', async (_, workers) => {
    const result = await runCli(['start', '--port', '0', '--host', longHost, ...workers], { cwd, env: { SWITCHYARD_MASTER_KEY: 'sy-master-listen-host-0123456789' } });
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain('listening');
    expect(result.stderr).toBe(`switchyard: cannot listen on ${'a'.repeat(64)}…:0: the address is not a valid host name or address (EINVAL)\n`);
  });
});
