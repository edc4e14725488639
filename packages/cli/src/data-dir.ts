import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from './cli-error.js';

/**
 * The data folder (or the nearest part of its path that exists) must be a folder: a file there was
 * an ENOTDIR or EEXIST stack trace from reading the master key or opening SQLite. Returns the
 * nearest part that exists and the first folder missing below it (undefined when the data folder
 * exists, or when it cannot be looked at: what uses it says why). Reads only: `validate` checks this too.
 * `named` says what is checked in a refusal: the data folder, or a file (`storage.path`) in this folder.
 */
export async function checkDataDir(dataDir: string, named: Named = { key: 'server.data_dir', path: dataDir }): Promise<{ parent: string; missing: string } | undefined> {
  for (let at = dataDir, below: string | undefined; ; below = at, at = path.dirname(at)) {
    // ENOTDIR: a part of the path above is a file, found on the way up (it was an ENOTDIR stack trace from reading the master key).
    const found = await stat(at).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' || error.code === 'ENOTDIR' ? undefined : null));
    // null: it cannot be looked at (a permission); what uses it says why.
    if (found === null) return undefined;
    if (found) {
      if (!found.isDirectory()) throw new CliError(`${named.key} ${named.path} is ${at === named.path ? 'a file' : `under ${at}, a file`}, not a folder`, 2);
      return below === undefined ? undefined : { parent: at, missing: below };
    }
    if (path.dirname(at) === at) return undefined;
  }
}

/** A config key and the path it names, as a refusal says them. */
interface Named {
  key: string;
  path: string;
}

/**
 * {@link checkDataDir}, then creates the first missing folder of its path. That folder must take a
 * new one: under /proc, mkdir answers ENOENT, and Node 20's recursive mkdir, reading that as a
 * missing parent, retries for ever (start hung without a word).
 */
export async function prepareDataDir(dataDir: string, named: Named = { key: 'server.data_dir', path: dataDir }): Promise<void> {
  const first = await checkDataDir(dataDir, named);
  if (first === undefined) return;
  try {
    await mkdir(first.missing, { mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    // A permission too: start's storage makes the data folder whatever it is, and its mkdir's EACCES was a stack trace.
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? 'error');
    throw new CliError(`${named.key} ${named.path}: no folder can be made in ${first.parent} (${why})`, 2);
  }
}

/**
 * The SQLite database file start opens (`storage.path`, under the data folder; SQLite is start's
 * default storage), or undefined for another storage or one in memory.
 */
export function sqliteFile(storage: unknown, dataDir: string): string | undefined {
  const { use, path: file } = (storage ?? { use: 'sqlite' }) as { use?: unknown; path?: unknown };
  if (use !== 'sqlite' && use !== '@switchyard/store-sqlite') return undefined;
  const written = typeof file === 'string' ? file : 'switchyard.db';
  return written === ':memory:' ? undefined : path.resolve(dataDir, written);
}

/**
 * A SQLite file that is a folder, or under a file, is refused as the data folder is (it was "valid",
 * then SQLITE_CANTOPEN or EEXIST at start); `prepare` (start) also makes its folder, where one under
 * /proc hung the SQLite thread in Node's recursive mkdir for 30 s.
 */
export async function checkSqliteFile(file: string, options: { prepare: boolean }): Promise<void> {
  const named = { key: 'storage.path', path: file };
  if ((await stat(file).catch(() => undefined))?.isDirectory()) throw new CliError(`storage.path ${file} is a folder, not a database file`, 2);
  await (options.prepare ? prepareDataDir(path.dirname(file), named) : checkDataDir(path.dirname(file), named));
}
