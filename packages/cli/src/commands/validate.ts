import { checkGatewayConfig, literalSecretWarnings, readConfigFile, resolveDataDir } from '@switchyard/core';
import { checkStorageSharedByWorkers } from '../cluster/check-storage-shared.js';
import { resolveWorkerCount } from '../cluster/resolve-worker-count.js';
import { checkDataDir, checkSqliteFile, sqliteFile } from '../data-dir.js';
import { loadBuiltInPlugins } from '../load-built-in-plugins.js';
import { checkMasterKeyFromEnvironment, masterKeyFile, readMasterKeyFile } from '../master-key.js';
import { escapeControlCharacters } from '../terminal-text.js';

/** `switchyard validate`: checks a config and every plugin's options without serving. */
export async function validateCommand(options: { config?: string }): Promise<number> {
  const file = await readConfigFile({ ...(options.config !== undefined && { file: options.config }) });
  const { config } = await checkGatewayConfig(file.raw, {
    plugins: await loadBuiltInPlugins(file.raw),
    ...(file.file !== undefined && { configFile: file.file }),
    ...(file.sourceText !== undefined && { configSource: file.sourceText }),
  });
  // The schema's bound is 256 on any machine; start's is also 4 per core here: a count start refuses is not valid,
  // nor is a storage the workers could not share.
  checkStorageSharedByWorkers(config.storage, resolveWorkerCount(config.server.workers));
  // The key start would take from the environment, held to what start holds it to.
  const keyFromEnvironment = process.env['SWITCHYARD_MASTER_KEY'];
  if (keyFromEnvironment) checkMasterKeyFromEnvironment(keyFromEnvironment);
  // A data folder that is a file is refused by start with exit 2: not valid either (nothing is made here).
  const dataDir = resolveDataDir(config, file.file);
  await checkDataDir(dataDir);
  // So is a SQLite file that is a folder or under a file.
  const sqlite = sqliteFile(config.storage, dataDir);
  if (sqlite !== undefined) await checkSqliteFile(sqlite, { prepare: false });
  // Without a key from the environment or the config, start reads the data folder's file: held to the same.
  if (!keyFromEnvironment && config.master_key === undefined) await readMasterKeyFile(masterKeyFile(dataDir));
  // Valid, but worth a word: a secret written out in the file (never printed).
  for (const warning of literalSecretWarnings(file.raw, file.file, file.sourceText)) process.stderr.write(`switchyard: warning: ${escapeControlCharacters(warning)}\n`);
  const providers = Object.keys(config.providers).join(', ');
  const summary = `${file.file ?? '(built-in defaults)'}: valid — providers: ${providers}; chain: ${describeChain(config.chain)}`;
  process.stdout.write(`${escapeControlCharacters(summary)}\n`);
  return 0;
}

function describeChain(chain: Array<string | Record<string, unknown>>): string {
  return chain.map((entry) => (typeof entry === 'string' ? entry : Object.keys(entry)[0])).join(' → ');
}
