import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isPlaceholderKey } from '@switchyard/core';
import { CliError } from './cli-error.js';

export interface MasterKey {
  key: string;
  /** Where it came from, to tell the user without showing it again. */
  source: 'environment' | 'config' | 'file' | 'generated';
  /** The file it was read from, or (generated) will be saved to. */
  file?: string;
}

const fileName = 'master-key';

/**
 * The admin key: SWITCHYARD_MASTER_KEY, else the config's `master_key`, else the
 * one kept in the data folder, else a new one, made in memory only: `start` saves
 * it with {@link saveGeneratedMasterKey} and prints it once the port is bound, so
 * a start that fails never shows a key that is not in use.
 */
export async function obtainMasterKey(
  env: Record<string, string | undefined>,
  configured: string | undefined,
  dataDir: string,
): Promise<MasterKey> {
  const fromEnv = env['SWITCHYARD_MASTER_KEY'];
  if (fromEnv) return { key: fromEnv, source: 'environment' };
  if (configured) return { key: configured, source: 'config' };
  const file = masterKeyFile(dataDir);
  const stored = await readMasterKeyFile(file);
  if (stored !== undefined) return { key: stored, source: 'file', file };
  return { key: `sy-master-${randomBytes(24).toString('base64url')}`, source: 'generated', file };
}

/** The file in the data folder that keeps the master key start generated (or an operator wrote). */
export function masterKeyFile(dataDir: string): string {
  return path.join(dataDir, fileName);
}

/**
 * The key kept in the data folder's `master-key` file (undefined when there is none), held to what
 * SWITCHYARD_MASTER_KEY is held to and said in the file's name: a folder there (a volume mount of a
 * file not made yet) was an EISDIR stack trace, and a short key was reported as the config's
 * `master_key`, a key the file does not have. `validate` reads it too, as start would.
 */
export async function readMasterKeyFile(file: string): Promise<string | undefined> {
  let stored: string;
  try {
    stored = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A link to a missing file (a secret not mounted) is not "no key": start would make one and fail to save it over the link.
    const target = code === 'ENOENT' ? await readlink(file).catch(() => undefined) : undefined;
    if (target !== undefined) throw new CliError(`cannot read the master key from ${file}: it is a link to ${path.resolve(path.dirname(file), target)}, which does not exist`);
    if (code === 'ENOENT') return undefined;
    const why = code === 'EISDIR' ? 'it is a folder, not a file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? 'it cannot be read');
    throw new CliError(`cannot read the master key from ${file}: ${why}`);
  }
  // Passed over, start made up a key, listened, failed to save it over this file (EEXIST) and served on with a key nobody saw.
  if (!stored) throw new CliError(`the master key file ${file} is empty: write a key in it, or delete it for start to make one`);
  if (!isUsableKey(stored)) throw new CliError(`the master key in ${file} ${keyRule}`);
  return stored;
}

/** What a master key must be, to be sent as "Bearer <key>"; the config schema's master_key says the same. */
const keyRule = 'must be at least 16 characters, without spaces or line breaks (a client sends it as "Bearer <key>")';

function isUsableKey(key: string): boolean {
  return key.length >= 16 && /^\S+$/.test(key);
}

/**
 * SWITCHYARD_MASTER_KEY as `start` takes it, checked by `validate` too (which said "valid" for a key
 * start then refused). Said in the variable's name: the config check said "master_key", which the
 * file does not have, and took a key with a space that no client can send as "Bearer <key>".
 */
export function checkMasterKeyFromEnvironment(key: string): void {
  if (isPlaceholderKey(key)) throw new CliError('SWITCHYARD_MASTER_KEY is a placeholder (it contains "change-me"): set a real secret');
  if (!isUsableKey(key)) throw new CliError(`SWITCHYARD_MASTER_KEY ${keyRule}`);
}

/**
 * Writes a generated key to its file with mode 0600; refuses to overwrite one another process wrote
 * meanwhile. A failure (the disk full, another start first) is one line: `start` must not serve with a
 * key it could neither keep nor show.
 */
export async function saveGeneratedMasterKey(masterKey: MasterKey & { file: string }): Promise<void> {
  try {
    await mkdir(path.dirname(masterKey.file), { recursive: true, mode: 0o700 });
    await writeFile(masterKey.file, `${masterKey.key}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(masterKey.file, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EEXIST'
        ? 'another start saved one there meanwhile'
        : code === 'ENOSPC'
          ? 'ENOSPC: no space left on device'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : code === 'EROFS'
              ? 'the file system is read-only'
              : (code ?? 'it cannot be written');
    const advice = code === 'EEXIST' ? 'start again to use the saved one' : code === 'ENOSPC' ? 'set SWITCHYARD_MASTER_KEY, or make room and start again' : 'set SWITCHYARD_MASTER_KEY';
    throw new CliError(`cannot save the generated master key to ${masterKey.file}: ${why}; not serving with a key nobody was shown (${advice})`);
  }
}

/**
 * The variable in which a cluster primary tells its workers where the key it hands them in
 * SWITCHYARD_MASTER_KEY came from: each worker logged `masterKeySource: "environment"`,
 * sending the operator after a variable nobody set, when the key was in the data folder's
 * file or made by the primary.
 */
export const keySourceVariable = 'SWITCHYARD_MASTER_KEY_SOURCE';

/** A cluster worker's key, with the source its primary named (only `file` or `generated`: the others a worker finds itself). */
export function withSourceFromPrimary(masterKey: MasterKey, env: Record<string, string | undefined>): MasterKey {
  const source = env[keySourceVariable];
  if (masterKey.source !== 'environment' || (source !== 'file' && source !== 'generated')) return masterKey;
  return { key: masterKey.key, source };
}
