import { createGateway, createLogger, loadConfig } from '@switchyard/core';
import { builtInPlugins } from '../built-in-plugins.js';

/** `switchyard validate`: checks a config and every plugin's options without serving. */
export async function validateCommand(options: { config?: string }): Promise<number> {
  const loaded = await loadConfig({ ...(options.config !== undefined && { file: options.config }) });
  // Building the gateway checks every plugin's options; nothing listens, so close at once.
  const gateway = await createGateway(loaded.config, {
    plugins: builtInPlugins,
    ...(loaded.file !== undefined && { configFile: loaded.file }),
    ...(loaded.sourceText !== undefined && { configSource: loaded.sourceText }),
    logger: createLogger({ level: 'silent' }),
  });
  await gateway.close({ drainTimeoutMs: 0 });
  const providers = Object.keys(loaded.config.providers).join(', ');
  process.stdout.write(`${loaded.file ?? '(built-in defaults)'}: valid — providers: ${providers}; chain: ${describeChain(loaded.config.chain)}\n`);
  return 0;
}

function describeChain(chain: Array<string | Record<string, unknown>>): string {
  return chain.map((entry) => (typeof entry === 'string' ? entry : Object.keys(entry)[0])).join(' → ');
}
