import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/run-cli.js';

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

// Root makes folders where no mode allows it: the CLI then runs as `nobody`, whom the mode refuses.
const as = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;

/*
 * A `server.data_dir` to be made in a folder the gateway's user may not write in (a data folder
 * in /var/lib without the chown, a volume owned by another uid). The permission was passed over
 * ("what uses the folder says why") and what used it was the storage's mkdir: an
 * `EACCES: permission denied, mkdir` stack trace through the gateway's internals.
 */
describe('switchyard start: a data folder that may not be made', () => {
  it('one line naming server.data_dir and the folder that refused, exit 2, no stack', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-data-dir-permission-'));
    folders.push(cwd);
    await mkdir(path.join(cwd, 'locked'));
    await writeFile(path.join(cwd, 'switchyard.config.yaml'), 'server:\n  data_dir: ./locked/data\n');
    await chmod(path.join(cwd, 'locked'), 0o555);
    // mkdtemp's folder is 0700: the other user must reach the config in it.
    await chmod(cwd, 0o755);
    const dataDir = path.join(cwd, 'locked', 'data');
    const { code, stdout, stderr } = await runCli(['start', '--port', '0'], {
      cwd,
      env: { SWITCHYARD_MASTER_KEY: 'sy-master-data-dir-permission-0123' },
      timeoutMs: 10_000,
      ...(as && { as }),
    });
    expect(stderr).toBe(`switchyard: server.data_dir ${dataDir}: no folder can be made in ${path.join(cwd, 'locked')} (permission denied)\n`);
    expect(stdout).toBe('');
    expect(code).toBe(2);
  });
});
