import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface MasterKey {
  key: string;
  /** Where it came from, to tell the user without showing it again. */
  source: 'environment' | 'config' | 'file' | 'generated';
  file?: string;
}

const fileName = 'master-key';

/**
 * The admin key: SWITCHYARD_MASTER_KEY, else the config's `master_key`, else the
 * one kept in the data folder, else a new one written there with mode 0600.
 */
export async function obtainMasterKey(
  env: Record<string, string | undefined>,
  configured: string | undefined,
  dataDir: string,
): Promise<MasterKey> {
  const fromEnv = env['SWITCHYARD_MASTER_KEY'];
  if (fromEnv) return { key: fromEnv, source: 'environment' };
  if (configured) return { key: configured, source: 'config' };
  const file = path.join(dataDir, fileName);
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    if (stored) return { key: stored, source: 'file', file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = `sy-master-${randomBytes(24).toString('base64url')}`;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // 'wx' refuses to overwrite a key another process wrote a moment ago.
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  return { key, source: 'generated', file };
}
