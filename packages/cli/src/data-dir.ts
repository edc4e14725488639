import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from './cli-error.js';

/**
 * The data folder (or the nearest part of its path that exists) must be a folder: a file there was
 * an ENOTDIR or EEXIST stack trace from reading the master key or opening SQLite. Returns the
 * nearest part that exists and the first folder missing below it (undefined when the data folder
 * exists, or when it cannot be looked at: what uses it says why). Reads only: `validate` checks this too.
 */
export async function checkDataDir(dataDir: string): Promise<{ parent: string; missing: string } | undefined> {
  for (let at = dataDir, below: string | undefined; ; below = at, at = path.dirname(at)) {
    // ENOTDIR: a part of the path above is a file, found on the way up (it was an ENOTDIR stack trace from reading the master key).
    const found = await stat(at).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' || error.code === 'ENOTDIR' ? undefined : null));
    // null: it cannot be looked at (a permission); what uses it says why.
    if (found === null) return undefined;
    if (found) {
      if (!found.isDirectory()) throw new CliError(`server.data_dir ${dataDir} is ${at === dataDir ? 'a file' : `under ${at}, a file`}, not a folder`, 2);
      return below === undefined ? undefined : { parent: at, missing: below };
    }
    if (path.dirname(at) === at) return undefined;
  }
}

/**
 * {@link checkDataDir}, then creates the first missing folder of its path. That folder must take a
 * new one: under /proc, mkdir answers ENOENT, and Node 20's recursive mkdir, reading that as a
 * missing parent, retries for ever (start hung without a word).
 */
export async function prepareDataDir(dataDir: string): Promise<void> {
  const first = await checkDataDir(dataDir);
  if (first === undefined) return;
  try {
    await mkdir(first.missing, { mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    // A permission: what uses the folder says why, as before.
    if (code === 'EACCES' || code === 'EPERM') return;
    throw new CliError(`server.data_dir ${dataDir}: no folder can be made in ${first.parent} (${code ?? 'error'})`, 2);
  }
}
