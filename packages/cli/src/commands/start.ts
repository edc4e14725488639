import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  applyServerLimits,
  checkGatewayConfig,
  createGateway,
  GatewayError,
  isPlaceholderKey,
  readConfigFile,
  resolveDataDir,
  serverOptions,
  type Gateway,
  type Logger,
} from '@switchyard/core';
import { builtInPlugins } from '../built-in-plugins.js';
import { CliError } from '../cli-error.js';
import { createCliLogger } from '../create-cli-logger.js';
import { createStandaloneApp } from '../create-standalone-app.js';
import { obtainMasterKey, saveGeneratedMasterKey } from '../master-key.js';

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

  const logger = await createCliLogger(config.log);
  const dataDir = resolveDataDir(config, loaded.file);
  const masterKey = await obtainMasterKey(process.env, config.master_key, dataDir);
  if (masterKey.source === 'environment' && isPlaceholderKey(masterKey.key)) {
    throw new CliError('SWITCHYARD_MASTER_KEY is a placeholder (it contains "change-me"): set a real secret');
  }
  config.master_key = masterKey.key;

  const gateway = await createGateway(config, { ...fileContext, logger });
  const app = createStandaloneApp(gateway, masterKey.key, logger);
  const lameDuck = { on: false };
  const server = applyServerLimits(
    createServer(serverOptions(config), (req, res) => (lameDuck.on ? refuseWhileStopping(res) : app(req, res))),
    config,
  );

  // Before the port is bound and "listening" is logged: a supervisor (or a test) that
  // sends SIGTERM the moment it reads that line must find the handler in place.
  const stopped = stopOnSignals(server, gateway, logger, { drainDelayMs: config.server.drain_delay_ms, lameDuck });
  try {
    await listen(server, config.server.port, config.server.host);
  } catch (error) {
    await gateway.close({ drainTimeoutMs: 0 });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      const reason = code === 'EADDRINUSE' ? 'is already in use (is another gateway running?)' : code === 'EACCES' ? 'is not allowed for this user' : 'is not an address of this machine';
      throw new CliError(`cannot listen on ${config.server.host}:${config.server.port}: the address ${reason}`);
    }
    throw error;
  }

  if (masterKey.source === 'generated') {
    // Only now that the port is ours: a start that fails never shows a key.
    await saveGeneratedMasterKey({ ...masterKey, file: masterKey.file! });
    // Printed once, to the terminal only; never through the logger.
    process.stderr.write(
      `\nSwitchyard generated a master key and saved it to ${masterKey.file} (mode 0600):\n\n  ${masterKey.key}\n\n` +
        'It will not be shown again. Set SWITCHYARD_MASTER_KEY to use your own.\n\n',
    );
  }
  const address = server.address() as AddressInfo;
  logger.info(
    { host: address.address, port: address.port, config: loaded.file ?? 'built-in defaults', masterKeySource: masterKey.source },
    `switchyard listening on http://${address.address}:${address.port}`,
  );
  logger.flush();
  return stopped;
}

/** Binds the port, or rejects with the listen error (EADDRINUSE …) instead of an unhandled 'error' event. */
async function listen(server: Server, port: number, host: string): Promise<void> {
  server.listen(port, host);
  await once(server, 'listening');
}

/** Resolves with the exit code once a signal has stopped the server and the gateway. */
function stopOnSignals(server: Server, gateway: Gateway, logger: Logger, drain: { drainDelayMs: number; lameDuck: { on: boolean } }): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      if (drain.drainDelayMs > 0) {
        // Closing the port at once resets connections a balancer is opening right then (a POST it
        // cannot safely retry); answering 503 first lets it move away before the port closes.
        drain.lameDuck.on = true;
        logger.info({ signal, drainDelayMs: drain.drainDelayMs }, 'shutting down: refusing new requests with 503 before closing the port');
        await new Promise((resolve) => setTimeout(resolve, drain.drainDelayMs));
      }
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
}

/** A request that arrives after SIGTERM, during `server.drain_delay_ms`: 503 `shutting_down`, retried elsewhere. */
function refuseWhileStopping(res: ServerResponse): void {
  const error = new GatewayError('shutting_down', 'The gateway is shutting down; retry on another instance.');
  res.writeHead(error.status, { 'content-type': 'application/json', connection: 'close', 'retry-after': '1' });
  res.end(JSON.stringify(error.toBody()));
}
