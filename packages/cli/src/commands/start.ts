import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { checkGatewayConfig, createGateway, createLogger, readConfigFile, resolveDataDir } from '@switchyard/core';
import { builtInPlugins } from '../built-in-plugins.js';
import { createStandaloneApp } from '../create-standalone-app.js';
import { obtainMasterKey } from '../master-key.js';

export interface StartOptions {
  config?: string;
  port?: number;
  host?: string;
}

/**
 * `switchyard start`: serves the gateway until SIGTERM/SIGINT, then stops taking
 * connections, lets requests and streams in flight finish up to the configured
 * deadline, and exits.
 */
export async function startCommand(options: StartOptions): Promise<number> {
  const loaded = await readConfigFile({ ...(options.config !== undefined && { file: options.config }) });
  const fileContext = {
    plugins: builtInPlugins,
    ...(loaded.file !== undefined && { configFile: loaded.file }),
    ...(loaded.sourceText !== undefined && { configSource: loaded.sourceText }),
  };
  // Every problem is reported before anything is written or served.
  const { config } = await checkGatewayConfig(loaded.raw, fileContext);
  if (options.port !== undefined) config.server.port = options.port;
  if (options.host !== undefined) config.server.host = options.host;
  // The embedded default: keys, usage and budgets in a SQLite file in the data folder.
  config.storage ??= { use: 'sqlite' };

  const logger = createLogger({ level: config.log.level });
  const dataDir = resolveDataDir(config, loaded.file);
  const masterKey = await obtainMasterKey(process.env, config.master_key, dataDir);
  config.master_key = masterKey.key;
  if (masterKey.source === 'generated') {
    // Printed once, to the terminal only; never through the logger.
    process.stderr.write(
      `\nSwitchyard generated a master key and saved it to ${masterKey.file} (mode 0600):\n\n  ${masterKey.key}\n\n` +
        'It will not be shown again. Set SWITCHYARD_MASTER_KEY to use your own.\n\n',
    );
  }

  const gateway = await createGateway(config, { ...fileContext, logger });
  const app = createStandaloneApp(gateway, masterKey.key, logger);
  const server = app.listen(config.server.port, config.server.host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  logger.info(
    { host: address.address, port: address.port, config: loaded.file ?? 'built-in defaults', masterKeySource: masterKey.source },
    `switchyard listening on http://${address.address}:${address.port}`,
  );
  logger.flush();

  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal, inFlight: gateway.activeRequests }, 'shutting down: draining requests in flight');
      server.close();
      server.closeIdleConnections();
      let exitCode = 0;
      try {
        await gateway.close();
        logger.info('stopped');
      } catch (error) {
        // The ledger could not take the last records: say so and exit non-zero, never hang.
        exitCode = 1;
        logger.error({ err: error }, 'shutting down failed; usage records still pending were not written');
      }
      server.closeAllConnections();
      logger.flush(() => resolve(exitCode));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return stopped;
}
