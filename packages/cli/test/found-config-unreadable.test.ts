import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/run-cli.js';

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

async function folder(): Promise<string> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-found-config-'));
  folders.push(cwd);
  return cwd;
}

const env = { SWITCHYARD_MASTER_KEY: 'sy-master-found-config-0123456789' };
// Root reads any file: the CLI then runs as `nobody`, whom the file's mode refuses.
const as = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;

/*
 * The search for a config in the working folder passed over a switchyard.config.yaml it could
 * not read, as if it were not there: a link to a file that is not there (a config map or secret
 * not mounted at the link's target), or a file the gateway's user may not read (mode 0600, owned
 * by root). `validate` said "(built-in defaults): valid" and `start` served the built-in defaults,
 * the mock provider, without a word: the refusal an empty file gets, for the same reason.
 */
describe('switchyard validate/start: a switchyard.config.yaml found but not readable', () => {
  it('a link to a missing file: one problem naming its target, exit 1, nothing served', async () => {
    const cwd = await folder();
    const target = path.join(cwd, 'mounted', 'switchyard.config.yaml');
    await symlink(target, path.join(cwd, 'switchyard.config.yaml'));
    for (const args of [['validate'], ['start', '--port', '0']]) {
      const { code, stdout, stderr } = await runCli(args, { cwd, env, timeoutMs: 10_000 });
      expect(stderr).toBe(
        'switchyard: the configuration has 1 problem:\n' +
          `  switchyard.config.yaml (top level): cannot read config: it is a link to ${target}, which does not exist\n`,
      );
      expect(stdout).toBe('');
      expect(code).toBe(1);
    }
  });

  it('a file the user may not read: one problem saying so, exit 1, nothing served', async () => {
    const cwd = await folder();
    await writeFile(path.join(cwd, 'switchyard.config.yaml'), 'server:\n  port: 4001\n');
    await chmod(path.join(cwd, 'switchyard.config.yaml'), 0o000);
    await chmod(cwd, 0o755);
    for (const args of [['validate'], ['start', '--port', '0']]) {
      const { code, stdout, stderr } = await runCli(args, { cwd, env, timeoutMs: 10_000, ...(as && { as }) });
      expect(stderr).toMatch(/^switchyard: the configuration has 1 problem:\n {2}switchyard\.config\.yaml \(top level\): cannot read config: EACCES: permission denied/);
      expect(stdout).toBe('');
      expect(code).toBe(1);
    }
  });
});
