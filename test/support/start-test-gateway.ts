import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { builtInPlugins, createStandaloneApp } from '@switchyard/cli';
import { applyServerLimits, appMessageClasses, createGateway, createLogger, hotRoutesBeforeApp, serverOptions, type Gateway, type PluginFactory } from '@switchyard/core';

export interface TestGateway {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** `http://127.0.0.1:PORT/v1`, for the openai client's baseURL. */
  baseURL: string;
  gateway: Gateway;
  /** Every log line written so far, raw. */
  logLines: string[];
  close(): Promise<void>;
}

export const masterKey = 'sy-master-test-key-0123456789abcdef';

export interface StartTestGatewayOptions {
  /**
   * Serve with the config's server limits and Node's parser errors answered in OpenAI's
   * shape (serverOptions + applyServerLimits), exactly as `switchyard start` does.
   */
  serverLimits?: boolean;
  /** Plugins beside the built-in ones (a test's own provider, written as a third party would). */
  plugins?: ReadonlyArray<PluginFactory<unknown, unknown>>;
}

/** A gateway from a config object, listening on a real loopback port, with its logs captured. */
export async function startTestGateway(config: Record<string, unknown>, options: StartTestGatewayOptions = {}): Promise<TestGateway> {
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });
  const gateway = await createGateway({ master_key: masterKey, ...config }, { plugins: [...builtInPlugins, ...(options.plugins ?? [])], logger });
  const app = createStandaloneApp(gateway, masterKey, logger);
  // As `switchyard start` serves it: model calls before the app's own handling.
  const serve = hotRoutesBeforeApp(app, gateway.router) ?? app;
  const server = options.serverLimits
    ? applyServerLimits(createServer({ ...serverOptions(gateway.runtime.config), ...appMessageClasses(app) }, serve), gateway.runtime.config)
    : createServer(serve);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    baseURL: `${origin}/v1`,
    gateway,
    logLines,
    async close() {
      try {
        await gateway.close({ drainTimeoutMs: 1000 });
      } finally {
        // A close that fails (usage records a broken store never took) still frees the port.
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  };
}
