import cluster from 'node:cluster';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  applyServerLimits,
  appMessageClasses,
  checkGatewayConfig,
  createGateway,
  GatewayError,
  hotRoutesBeforeApp,
  literalSecretWarnings,
  readConfigFile,
  resolveDataDir,
  serverOptions,
  startingStorage,
  type ConfigFile,
  type Gateway,
  type GatewayConfig,
  type Logger,
} from '@switchyard/core';
import { mkdir } from 'node:fs/promises';
import { checkAddressFree } from '../cluster/check-address-free.js';
import { checkStorageSharedByWorkers } from '../cluster/check-storage-shared.js';
import { dashboardSessionsBetweenWorkers, relayDashboardSessionsBetweenWorkers } from '../cluster/dashboard-sessions-between-workers.js';
import { countDashboardLoginsInPrimary, loginThrottleAcrossWorkers } from '../cluster/login-throttle-across-workers.js';
import { findPerWorkerState } from '../cluster/find-per-worker-state.js';
import { relayKeyChangesBetweenWorkers } from '../cluster/key-changes-between-workers.js';
import { aggregateMetricsOfWorkers, metricsOfEveryWorker } from '../cluster/metrics-across-workers.js';
import { resolveWorkerCount } from '../cluster/resolve-worker-count.js';
import { runClusterPrimary } from '../cluster/run-cluster-primary.js';
import { configFromPrimary, shareConfigWithWorkers } from '../cluster/share-config.js';
import { workerStoragePlugins } from '../cluster/worker-storage.js';
import { CliError } from '../cli-error.js';
import { createCliLogger } from '../create-cli-logger.js';
import { createStandaloneApp } from '../create-standalone-app.js';
import { checkSqliteFile, prepareDataDir, sqliteFile } from '../data-dir.js';
import { listenFailure } from '../listen-failure.js';
import { loadBuiltInPlugins } from '../load-built-in-plugins.js';
import { checkMasterKeyFromEnvironment, keySourceVariable, obtainMasterKey, saveGeneratedMasterKey, withSourceFromPrimary, type MasterKey } from '../master-key.js';
import { forcedExitCode, forcedStopWaitMs, isForceStopMessage, repeatedSignalWindowMs } from '../second-signal.js';
import { setHeapGrowingPercent } from '../set-heap-growing-percent.js';

export interface StartOptions {
  config?: string;
  port?: number;
  host?: string;
  /** `--workers N|auto`: wins over `server.workers`. */
  workers?: string;
}

/**
 * `switchyard start`: serves the gateway until SIGTERM/SIGINT/SIGHUP, then stops taking
 * connections, lets requests and streams in flight finish up to the configured
 * deadline, and exits.
 */
export async function startCommand(options: StartOptions): Promise<number> {
  // A cluster worker serves what its primary read and checked at start, never the file as it is now.
  const loaded = cluster.isWorker ? await configFromPrimary() : await readConfigFile({ ...(options.config !== undefined && { file: options.config }) });
  // Only the built-ins this config uses: each package loaded stays in memory for good.
  const builtIns = await loadBuiltInPlugins(loaded.raw);
  const fileContext = {
    // A worker opens the stores its primary made, and its admin API tells its siblings of key
    // changes where the storage has no channel (SQLite).
    plugins: cluster.isWorker ? workerStoragePlugins(builtIns) : builtIns,
    ...(loaded.file !== undefined && { configFile: loaded.file }),
    ...(loaded.sourceText !== undefined && { configSource: loaded.sourceText }),
  };
  // Every problem is reported before anything is written or served.
  const { config } = await checkGatewayConfig(loaded.raw, fileContext);
  if (options.port !== undefined) config.server.port = options.port;
  if (options.host !== undefined) config.server.host = options.host;
  // The embedded default: keys, usage and budgets in a SQLite file in the data folder.
  config.storage ??= { use: 'sqlite' };

  const workers = resolveWorkerCount(options.workers ?? config.server.workers);

  // A worker's lines say which worker wrote them: the workers share one stdout, and GET /health is the answering worker's own.
  const logger = await createCliLogger(config.log, undefined, cluster.isWorker ? { worker: cluster.worker!.id } : undefined);
  // Once, by the process that read the file (a cluster's workers were handed its config).
  if (!cluster.isWorker) for (const warning of literalSecretWarnings(loaded.raw, loaded.file, loaded.sourceText)) logger.warn(warning);
  const dataDir = resolveDataDir(config, loaded.file);
  await prepareDataDir(dataDir);
  const sqlite = sqliteFile(config.storage, dataDir);
  if (sqlite !== undefined) await checkSqliteFile(sqlite, { prepare: true });
  const obtained = await obtainMasterKey(process.env, config.master_key, dataDir);
  // A worker's key came from its primary: it says where the primary found it, not how it was handed over.
  const masterKey = cluster.isWorker ? withSourceFromPrimary(obtained, process.env) : obtained;
  if (masterKey.source === 'environment') checkMasterKeyFromEnvironment(masterKey.key);
  config.master_key = masterKey.key;

  if (workers > 1 && cluster.isPrimary) {
    return startClusterPrimary({ workers, config, logger, dataDir, masterKey, loaded, fileContext });
  }
  // A worker whose primary is gone (killed) gets no more connections: it drains and exits.
  const orphaned = () => process.kill(process.pid, 'SIGTERM');
  if (cluster.isWorker) {
    // Else node:cluster's own 'disconnect' listener exits at once, cutting streams in flight
    // and dropping the ledger's last batch.
    cluster.worker!.exitedAfterDisconnect = true;
    cluster.worker!.on('error', ignoreClosedChannel);
    process.once('disconnect', orphaned);
  }

  // Before the gateway allocates: every process that serves (one, or each cluster worker) sets it.
  setHeapGrowingPercent(config.server.heap_growing_percent);
  const gateway = await createGateway(config, { ...fileContext, logger });
  const app = createStandaloneApp(gateway, masterKey.key, logger, {
    metrics: cluster.isWorker ? metricsOfEveryWorker(gateway) : undefined,
    dashboardSessions: cluster.isWorker ? dashboardSessionsBetweenWorkers() : undefined,
    loginThrottle: cluster.isWorker ? loginThrottleAcrossWorkers() : undefined,
  });
  // Model calls run their route before Express's app.handle; everything else, and whatever they pass on, enters the app.
  const serve = hotRoutesBeforeApp(app, gateway.router) ?? app;
  const lameDuck = { on: false };
  // Tests only (documented in docs/deploy.md): which worker answered, by cluster id, never a pid.
  const workerHeader = process.env['SWITCHYARD_DEBUG_WORKER_HEADER'] === '1' && cluster.isWorker ? String(cluster.worker!.id) : undefined;
  const server = applyServerLimits(
    // Requests and responses are made with the app's prototypes, which Express would otherwise set on each.
    createServer({ ...serverOptions(config), ...appMessageClasses(app) }, (req, res) => {
      if (workerHeader !== undefined) res.setHeader('x-switchyard-worker', workerHeader);
      return lameDuck.on ? refuseWhileStopping(res) : serve(req, res);
    }),
    config,
  );

  // Before the port is bound and "listening" is logged: a supervisor (or a test) that
  // sends SIGTERM the moment it reads that line must find the handler in place.
  const stopped = stopOnSignals(server, gateway, logger, { drainDelayMs: config.server.drain_delay_ms, lameDuck, stopBoundMs: stopBoundMs(config) });
  try {
    // Stopped before it ever listened: nothing was served, the shutdown has run.
    if (!(await listen(server, config.server.port, config.server.host))) return stopped;
  } catch (error) {
    await gateway.close({ drainTimeoutMs: 0 });
    throw listenFailure(error, config.server.host, config.server.port) ?? error;
  }

  // A worker's generated key is its primary's to save and show, once.
  if (masterKey.source === 'generated' && !cluster.isWorker) {
    // Only now that the port is ours: a start that fails never shows a key.
    try {
      await saveGeneratedMasterKey({ ...masterKey, file: masterKey.file! });
    } catch (error) {
      // Not saved, not shown: serving with it would lock everyone out of the admin API.
      server.close();
      server.closeAllConnections();
      await gateway.close({ drainTimeoutMs: 0 });
      throw error;
    }
    // Printed once, to the terminal only; never through the logger.
    process.stderr.write(
      `\nSwitchyard generated a master key and saved it to ${masterKey.file} (mode 0600):\n\n  ${masterKey.key}\n\n` +
        'It will not be shown again. Set SWITCHYARD_MASTER_KEY to use your own.\n\n',
    );
  }
  const address = server.address() as AddressInfo;
  // An IPv6 address goes in brackets in a URL: http://[::1]:4000, not http://::1:4000.
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  logger.info(
    { host: address.address, port: address.port, config: loaded.file ?? 'built-in defaults', masterKeySource: masterKey.source },
    `switchyard listening on http://${urlHost}:${address.port}`,
  );
  logger.flush();
  // A stopped cluster worker lets go of its IPC channel in bin.ts, as one that failed to start does.
  return stopped;
}

/**
 * The errors of a worker's channel to a primary that is gone: closed (letting go of it after the
 * drain, bin.ts), or written to in the moment after the primary died, before the worker saw it
 * close (node:cluster's own messages, a listen's or a server close's, are sent with no callback:
 * EPIPE, ECONNRESET). Its 'disconnect' follows, and the worker drains and exits.
 */
const closedChannelCodes = new Set(['ERR_IPC_DISCONNECTED', 'ERR_IPC_CHANNEL_CLOSED', 'EPIPE', 'ECONNRESET']);

/** A worker's channel errors reach its cluster.worker: the primary gone must not crash the worker with a stack trace. */
function ignoreClosedChannel(error: NodeJS.ErrnoException): void {
  if (!closedChannelCodes.has(error.code ?? '')) throw error;
}

/**
 * Binds the port (true), or rejects with the listen error (EADDRINUSE …) instead of an unhandled
 * 'error' event. False when a signal closed the server first: a cluster worker's listen waits for
 * the primary's answer, and node drops a listen the server was closed during without a word.
 */
function listen(server: Server, port: number, host: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const settle = (outcome: () => void) => {
      server.off('listening', onListening).off('close', onClose).off('error', onError);
      outcome();
    };
    const onListening = () => settle(() => resolve(true));
    const onClose = () => settle(() => resolve(false));
    const onError = (error: Error) => settle(() => reject(error));
    server.once('listening', onListening).once('close', onClose).once('error', onError);
    server.listen(port, host);
  });
}

/**
 * The longest a stop may take, from the signal to the exit: the drain delay, the drain itself, and
 * 10 s for what follows it (the last ledger batch, closing the stores). A cluster primary kills a
 * worker still running past it; one process exits 1 on its own (see stopOnSignals).
 */
function stopBoundMs(config: GatewayConfig): number {
  return config.server.drain_delay_ms + config.server.shutdown_timeout_ms + 10_000;
}

/**
 * Resolves with the exit code once a signal has stopped the server and the gateway. A second
 * signal past {@link repeatedSignalWindowMs} (or, in a cluster worker, its primary's word) forces
 * the stop: the connections are cut, and the cut requests' usage is written before the exit.
 */
function stopOnSignals(
  server: Server,
  gateway: Gateway,
  logger: Logger,
  drain: { drainDelayMs: number; lameDuck: { on: boolean }; stopBoundMs: number },
): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    let forcedCode: number | undefined;
    let skipDrainDelay: () => void = () => undefined;
    const stop = async (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      // gateway.close() bounds the drain and each plugin's close, but not the last ledger batch, and
      // what it gave up on may hold the loop: without this the process hung for good, or (nothing
      // else holding the loop) exited 0 without its last records. Held until close() is over.
      const backstop = setTimeout(() => {
        logger.error({ signal, stopBoundMs: drain.stopBoundMs }, `did not stop within ${drain.stopBoundMs} ms: exiting; usage records still pending may not be written`);
        server.closeAllConnections();
        const exit = () => process.exit(1);
        flushLogThen(logger, exit, exit);
      }, drain.stopBoundMs);
      if (drain.drainDelayMs > 0) {
        // Closing the port at once resets connections a balancer is opening right then (a POST it
        // cannot safely retry); answering 503 first lets it move away before the port closes.
        drain.lameDuck.on = true;
        logger.info({ signal, drainDelayMs: drain.drainDelayMs }, 'shutting down: refusing new requests with 503 before closing the port');
        await new Promise<void>((resolveDelay) => {
          const timer = setTimeout(resolveDelay, drain.drainDelayMs);
          skipDrainDelay = () => {
            clearTimeout(timer);
            resolveDelay();
          };
        });
      }
      logger.info({ signal, inFlight: gateway.activeRequests }, 'shutting down: draining requests in flight');
      server.close();
      server.closeIdleConnections();
      if (forcedCode !== undefined) server.closeAllConnections();
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
      // Left running, not held: a plugin's close that close() gave up on may still hold the loop
      // (a socket, a timer); the backstop then ends the process at its bound.
      backstop.unref();
      process.off('message', onPrimaryMessage);
      const code = forcedCode ?? exitCode;
      flushLogThen(logger, () => resolve(code), () => process.exit(code));
    };
    // Cutting the connections ends each request as a client's disconnect does (its upstream aborted,
    // what it used billed); the stop under way then writes those records and exits.
    const force = (signal: NodeJS.Signals) => {
      if (forcedCode !== undefined) return;
      forcedCode = forcedExitCode(signal);
      logger.warn({ signal, inFlight: gateway.activeRequests }, 'stopping now: a second signal cuts the requests in flight; their usage is still written');
      skipDrainDelay();
      server.closeAllConnections();
      const giveUp = setTimeout(() => {
        logger.error({ signal, waitedMs: forcedStopWaitMs }, `usage records still pending ${forcedStopWaitMs} ms after the second signal: exiting without them`);
        const exit = () => process.exit(forcedCode);
        flushLogThen(logger, exit, exit);
      }, forcedStopWaitMs);
      giveUp.unref();
    };
    let firstSignalAt: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (firstSignalAt === undefined) {
        firstSignalAt = performance.now();
        void stop(signal);
        return;
      }
      // A cluster worker may get the same signal twice (from the primary and from a process-group
      // or cgroup kill): it must not die of the second; its primary decides (onPrimaryMessage).
      if (cluster.isWorker) return;
      // One Ctrl-C reaches the terminal's whole process group, and npm and scripts/start.js pass it
      // on too: it arrives two or three times within milliseconds, and must not cut the drain.
      if (performance.now() - firstSignalAt < repeatedSignalWindowMs) return;
      force(signal);
    };
    const onPrimaryMessage = (message: unknown) => {
      if (!isForceStopMessage(message)) return;
      if (firstSignalAt === undefined) onSignal('SIGINT');
      force('SIGINT');
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    // A closed terminal or ssh session: Node resets SIGHUP to dying at once (even under nohup),
    // which cut every stream and lost the usage records not yet written. It stops as SIGTERM does.
    process.on('SIGHUP', onSignal);
    if (cluster.isWorker) process.on('message', onPrimaryMessage);
  });
}

/**
 * Runs `then` once the log is written, or `stuck` if it is not within flushWaitMs. The flush's
 * callback waits for sonic-boom's 'drain', which never comes while stdout's reader has stopped
 * reading (a full pipe: EAGAIN, retried every 100 ms for ever, on a timer that also keeps the
 * process alive): a stop, and a second Ctrl-C's forced one, waited with it for good.
 */
function flushLogThen(logger: Logger, then: () => void, stuck: () => void): void {
  let settled = false;
  const settle = (next: () => void) => {
    if (settled) return;
    settled = true;
    clearTimeout(deadline);
    next();
  };
  const deadline = setTimeout(() => settle(stuck), flushWaitMs);
  logger.flush(() => settle(then));
}

/** How long a stop waits for its last log lines to be written; core's exit flush gives up after a second too. */
const flushWaitMs = 1000;

/** A request that arrives after SIGTERM, during `server.drain_delay_ms`: 503 `shutting_down`, retried elsewhere. */
function refuseWhileStopping(res: ServerResponse): void {
  const error = new GatewayError('shutting_down', 'The gateway is shutting down; retry on another instance.');
  res.writeHead(error.status, { 'content-type': 'application/json', connection: 'close', 'retry-after': '1' });
  res.end(JSON.stringify(error.toBody()));
}

interface ClusterStart {
  workers: number;
  config: GatewayConfig;
  logger: Logger;
  dataDir: string;
  masterKey: MasterKey;
  loaded: ConfigFile;
  fileContext: Parameters<typeof checkGatewayConfig>[1];
}

/**
 * `--workers N` with N > 1: this process becomes the cluster primary. Before any
 * worker starts it runs the storage migrations once (so N workers never race on
 * them) and settles the master key (a generated one reaches every worker through
 * their environment, and is saved and printed once, when all of them listen).
 */
async function startClusterPrimary(start: ClusterStart): Promise<number> {
  const { config, logger, workers } = start;
  checkStorageSharedByWorkers(config.storage, workers);
  // Before anything is written: a taken port is said once, not by every worker.
  await checkAddressFree(config.server.port, config.server.host);
  for (const state of findPerWorkerState(config.chain)) {
    logger.warn({ step: state.step, workers }, `${state.step} keeps its state in each worker's memory: ${state.effect}`);
  }

  // Migrations once, here, with the storage plugin the workers will use.
  const rawConfig = typeof start.loaded.raw === 'object' && start.loaded.raw !== null ? start.loaded.raw : {};
  const { plugins } = await checkGatewayConfig({ ...rawConfig, storage: config.storage }, start.fileContext);
  if (plugins.storage) {
    await mkdir(start.dataDir, { recursive: true, mode: 0o700 });
    const opened = await startingStorage(() => plugins.storage!.open({ dataDir: start.dataDir, logger }));
    try {
      await startingStorage(async () => {
        await opened.keys.migrate();
        await opened.ledger.migrate();
        await opened.budgets.migrate();
        await opened.responses?.migrate();
      });
    } finally {
      await opened.responses?.close();
      await opened.budgets.close();
      await opened.ledger.close();
      await opened.keys.close();
      await opened.keyChanges?.close();
    }
  }

  const { masterKey } = start;
  shareConfigWithWorkers(start.loaded);
  relayKeyChangesBetweenWorkers();
  relayDashboardSessionsBetweenWorkers();
  countDashboardLoginsInPrimary();
  aggregateMetricsOfWorkers();
  logger.info({ workers }, `starting ${workers} workers`);
  // A worker's reason for not starting comes back as a CliError, printed once; the log is flushed either way.
  const code = await runClusterPrimary({
    workers,
    logger,
    // A key from the data folder's file, or generated now, is handed over: a replacement would
    // otherwise read the file as it is then (edited, or gone: it would make up a new key).
    // The source always: a variable of that name left in the primary's own environment is not taken for the primary's word.
    workerEnv: {
      ...((masterKey.source === 'generated' || masterKey.source === 'file') && { SWITCHYARD_MASTER_KEY: masterKey.key }),
      [keySourceVariable]: masterKey.source,
    },
    stopTimeoutMs: stopBoundMs(config),
    onAllListening: async () => {
      if (masterKey.source !== 'generated') return;
      await saveGeneratedMasterKey({ ...masterKey, file: masterKey.file! });
      process.stderr.write(
        `\nSwitchyard generated a master key and saved it to ${masterKey.file} (mode 0600):\n\n  ${masterKey.key}\n\n` +
          'It will not be shown again. Set SWITCHYARD_MASTER_KEY to use your own.\n\n',
      );
    },
  }).finally(() => new Promise<void>((resolve) => logger.flush(() => resolve())));
  return code;
}
