import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorRequestHandler, RequestHandler, Router } from 'express';
import { adapterStep } from '../chain/adapter-step.js';
import { ConfigError } from '../config/config-error.js';
import { configuredDeployments } from '../config/configured-deployments.js';
import { configuredCredentials, withCredentialsBlanked } from '../errors/configured-credentials.js';
import { redactModelName, registerModelNameSecrets } from '../errors/redact-model-name.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { findConfigProblems } from '../config/load-config.js';
import { prepareEmbeddingsValidator } from '../ingress/openai/embeddings.js';
import { prepareChatCompletionsValidator } from '../ingress/openai/parse-chat-completions-request.js';
import { prepareMessagesValidator } from '../ingress/anthropic/parse-messages-request.js';
import { prepareResponsesValidator } from '../ingress/responses/parse-responses-request.js';
import { createLogger, type Logger } from '../logging/create-logger.js';
import { lineWriter } from '../logging/line-writer.js';
import type { IngressContribution, PluginFactory, StepPlugin, StorageContext, StoragePlugin, StorageSet } from '../plugin/define-plugin.js';
import { findPlaceholderKeys } from '../config/find-placeholder-keys.js';
import { findBodyLimitProblems } from '../config/find-body-limit-problems.js';
import { findProviderHeaderProblems } from '../config/find-provider-header-problems.js';
import { findProviderUrlProblems } from '../config/find-provider-url-problems.js';
import { findHostProblems } from '../config/find-host-problems.js';
import { findTimeoutProblems } from '../config/find-timeout-problems.js';
import type { Provider } from '../plugin/provider-types.js';
import { UpstreamTransport } from '../transport/upstream-transport.js';
import type { ResolveHostname } from '../transport/upstream-lookup.js';
import { DeploymentLabels } from '../metrics/deployment-labels.js';
import { registerGatewayGauges } from '../metrics/gateway-gauges.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { buildRouter, type GatewayRoutes } from './build-router.js';
import { closeWithin } from './close-within.js';
import { guardHealthCheck } from './guard-health-check.js';
import { collectFailureLog } from '../metrics/collect-failure-log.js';
import type { GatewayRuntime, HealthSection } from './gateway-runtime.js';
import { ModelCatalog } from './model-catalog.js';
import type { RequestRecord } from './request-record.js';
import { RequestTracker } from './request-tracker.js';
import { UsageRecorder, type UsageRecorderStats } from './usage-recorder.js';
import type { Pricing } from './pricing.js';
import { PriceCatalog } from '../pricing/price-catalog.js';
import { startingStorage } from '../stores/storage-start-error.js';
import { chainEntryParts, PluginResolutionError, resolvePlugins, type ImportModule, type ResolvedPlugins } from './resolve-plugins.js';
import { secretsOfProvider, startProvider } from './start-provider.js';
import { MemoryResponseStore } from '../stores/memory-response-store.js';
import { observeResponseStore, responseStoreCounters } from './observe-response-store.js';
import { DEFAULT_RESPONSE_SWEEP_INTERVAL_MS, ResponseSweeper } from './response-sweeper.js';
import { buildIngressContribution, buildProviderAdapters, checkStepHandler } from '../plugin/check-plugin-build.js';
import { findIngressRouteProblems } from './mount-ingress-plugins.js';

export interface CreateGatewayOptions {
  /** Plugin factories to use instead of looking packages up by name. */
  plugins?: ReadonlyArray<PluginFactory<unknown, unknown>>;
  /** A pino logger to write to; by default one is made from `config.log`. */
  logger?: Logger;
  /** How a plugin module, once found (from the config file's folder first), is loaded; default `import()`. */
  importModule?: ImportModule;
  /** The config file, for error messages and resolving relative plugin paths. */
  configFile?: string;
  /** The config file's text, so errors can name lines. */
  configSource?: string;
  /** How often expired stored responses are deleted (default five minutes; they are invisible from expiry on anyway). */
  responseSweepIntervalMs?: number;
  /** How upstream host names are resolved; `dns.lookup` (bounded, cached: upstream-lookup.ts) when absent. */
  resolveHostname?: ResolveHostname;
}

export interface Gateway {
  /** Mount it anywhere: `app.use('/ai', gateway.router)`. */
  router: Router;
  runtime: GatewayRuntime;
  /**
   * Puts a route of the app's own behind the chain's auth and request limits:
   * `app.use('/v1/me', gateway.guard(handler))`. The caller is authenticated by the chain's
   * header-only steps (auth) and counted by its rate-limit step against its key's, team's
   * and the global request limits as one request with no tokens (429 in OpenAI's shape,
   * with Retry-After, when over); then `handler` runs. The request is tracked, logged and
   * recorded in the ledger like the gateway's own, as endpoint `custom`, with no model and
   * no cost. Errors of the guard (and any the handler passes on) are answered in OpenAI's shape.
   */
  guard(handler: RequestHandler): [RequestHandler, ErrorRequestHandler];
  /** Requests currently being served. */
  readonly activeRequests: number;
  /**
   * Stops taking requests, waits up to `drainTimeoutMs` for those in flight (streams
   * included), then releases connections and flushes logs.
   */
  close(options?: { drainTimeoutMs?: number }): Promise<void>;
}

/**
 * Builds a gateway from a config object (raw, as parsed from YAML, or already
 * checked). Every plugin's options are checked before anything starts; all
 * problems are reported together in one ConfigError.
 */
export async function createGateway(rawConfig: unknown, options: CreateGatewayOptions = {}): Promise<Gateway> {
  const assembled = await assembleGateway(rawConfig, options);
  const { runtime, tracker } = assembled;
  let routes: GatewayRoutes;
  try {
    routes = buildRouter(runtime, assembled.steps, tracker, assembled.healthChecks, assembled.ingress);
  } catch (error) {
    // An ingress plugin's route that cannot be mounted: release the storage and timers already started.
    await assembled.close({ drainTimeoutMs: 0 });
    throw error;
  }
  return {
    router: routes.router,
    runtime,
    guard: routes.guard,
    get activeRequests() {
      return tracker.activeRequests;
    },
    close: assembled.close,
  };
}

/** A gateway's parts before they are put behind a router: `createGateway` and `createSteps` share them. */
export interface AssembledGateway {
  runtime: GatewayRuntime;
  tracker: RequestTracker;
  /** The chain's steps, built, in order, by the name the config gives them. */
  steps: Array<{ name: string; handler: RequestHandler; headersOnly: boolean }>;
  healthChecks: ReadonlyMap<string, () => HealthSection>;
  /** The dialects and routes of the config's ingress plugins, built. */
  ingress: Array<{ id: string; contribution: IngressContribution }>;
  close(options?: { drainTimeoutMs?: number }): Promise<void>;
}

/** Checks the config, starts providers and storage, builds the runtime and every step of the chain. */
export async function assembleGateway(rawConfig: unknown, options: CreateGatewayOptions = {}): Promise<AssembledGateway> {
  const { config, plugins: resolved } = await checkGatewayConfig(rawConfig, options);

  const logger = options.logger ?? createLogger({ level: config.log.level });
  const transport = new UpstreamTransport({
    bodyLimits: { maxBytes: config.limits.stream_max_bytes, maxDurationMs: config.limits.stream_max_duration_ms },
    connectionsPerOrigin: config.limits.upstream_connections_per_origin,
    ...(options.resolveHostname && { resolveHostname: options.resolveHostname }),
  });
  const providers = new Map<string, Provider>();
  for (const { id, plugin } of resolved.providers) {
    try {
      providers.set(id, startProvider(id, plugin, transport));
    } catch (error) {
      // Its plugin's words may quote the options it was given: a secret key, a token, an extra header's credential.
      throw withCredentialsBlanked(error, configuredCredentials(config.providers[id]));
    }
  }
  // Built and checked before storage opens, as providers are (no I/O): a malformed one leaves nothing to close.
  const ingress = resolved.ingress.map(({ id, plugin }) => ({ id, contribution: buildIngressContribution(plugin.name, () => plugin.build()) }));

  const dataDir = resolveDataDir(config, options.configFile);
  const storage = resolved.storage ? await openStorage(resolved.storage, { dataDir, logger }) : undefined;
  const started: StartedParts = { config, resolved, options, logger, transport, providers, dataDir, storage, ingress };
  try {
    return assembleOnStartedParts(started);
  } catch (error) {
    // A step's build that throws (a check of its options) must not leave what was opened running: the
    // storage's pool or thread and the steps' own connections (Redis) kept `switchyard start`, or an
    // embedding app, alive after its "could not start" line.
    if (started.close) await started.close({ drainTimeoutMs: 0 }).catch(() => undefined);
    else if (storage) await closeStorage(storage).catch(() => undefined);
    throw error;
  }
}

/** What assembleGateway opened before the rest is built on it; `close` is set once it can close all of it. */
interface StartedParts {
  config: GatewayConfig;
  resolved: ResolvedPlugins;
  options: CreateGatewayOptions;
  logger: Logger;
  transport: UpstreamTransport;
  providers: Map<string, Provider>;
  dataDir: string;
  storage: StorageSet | undefined;
  ingress: AssembledGateway['ingress'];
  close?: AssembledGateway['close'];
}

/** Builds the runtime and every step of the chain on the started providers and storage. */
function assembleOnStartedParts(started: StartedParts): AssembledGateway {
  const { config, resolved, options, logger, transport, providers, dataDir, storage, ingress } = started;
  const unpricedCalls = new Map<string, number>();
  const pricing = createPricing(config, logger, unpricedCalls);
  const tracker = new RequestTracker(logger, pricing);
  // Each with the chain entry whose build registered it, to name it if it does not close.
  const closeHooks: Array<{ plugin: string; hook: () => Promise<void> | void }> = [];
  let buildingStep = 'unknown';
  const healthChecks = new Map<string, () => HealthSection>();
  let unattributedRequests = 0;
  const models = new ModelCatalog(providers, config.models, logger, config.limits.model_list_timeout_ms);
  const metrics = new GatewayMetrics(new DeploymentLabels(config, (id) => providers.has(id), (name) => models.isListed(name)), collectFailureLog(logger));
  const responseCounters = responseStoreCounters(metrics);
  const responses = observeResponseStore(storage?.responses ?? new MemoryResponseStore(), responseCounters, logger);
  const responseSweeper = new ResponseSweeper(responses, options.responseSweepIntervalMs ?? DEFAULT_RESPONSE_SWEEP_INTERVAL_MS, responseCounters, logger);
  const runtime: GatewayRuntime = {
    config,
    logger,
    transport,
    providers,
    models,
    masterKey: config.master_key,
    dataDir,
    storage,
    responses,
    pricing,
    unpricedCalls,
    get unattributedRequests() {
      return unattributedRequests;
    },
    onRequestFinished: (listener: (record: RequestRecord) => void) => tracker.onFinished(listener),
    onClose: (hook) => void closeHooks.push({ plugin: buildingStep, hook }),
    addHealthCheck: (name, check) => void healthChecks.set(name, guardHealthCheck(name, check, logger)),
    metrics,
    usageStats: () => recorder?.stats(),
  };
  const writeRequestLine = lineWriter(logger, 'request finished');
  tracker.onFinished((record) => writeRequestLine(requestLine(record)));
  const recorder = storage
    ? new UsageRecorder(storage.ledger, {
        flushIntervalMs: config.usage.flush_interval_ms,
        maxBatch: config.usage.max_batch,
        maxPending: config.usage.max_pending,
        logger,
        ...(config.metrics.enabled && { onAppend: metrics.observeLedgerAppend }),
      })
    : undefined;
  tracker.onFinished((record) => {
    if (isChargeable(record)) recorder?.record(record);
    else unattributedRequests++;
  });
  if (storage?.health) healthChecks.set('storage', guardHealthCheck('storage', () => storage.health!(), logger));
  if (recorder) healthChecks.set('usage', () => usageHealth(recorder.stats()));
  if (config.metrics.enabled) {
    // Recorded once per request from its record, after the request is over: nothing on the chain's path.
    tracker.onFinished((record) => metrics.observe(record));
    registerGatewayGauges(metrics, {
      activeRequests: () => tracker.activeRequests,
      unattributedRequests: () => unattributedRequests,
      unpricedCalls,
      usageStats: () => recorder?.stats(),
      healthChecks,
    });
  }

  // Defined before the steps are built: a build that throws closes what the ones before it opened.
  let releaseModelNameSecrets = () => {};
  let closing: Promise<void> | undefined;
  const close = (closeOptions: { drainTimeoutMs?: number } = {}): Promise<void> => {
    closing ??= (async () => {
      tracker.draining = true;
      const drained = await tracker.waitForIdle(closeOptions.drainTimeoutMs ?? config.server.shutdown_timeout_ms);
      if (!drained) logger.warn({ active: tracker.activeRequests }, 'shutdown deadline passed with requests still in flight');
      // Past the deadline the upstream calls still in flight are cut (waiting on them hung close()
      // for an upstream that never answers); their requests then end at once, and are waited for
      // again, briefly, so their records are in the recorder's last batch. Before the plugins'
      // close hooks: a request cut after them settled into closed budget grants, its payment lost.
      await transport.close({ force: !drained });
      if (!drained) await tracker.waitForIdle(cutCallsGraceMs);
      // A plugin's close that never ends (or throws) is logged and left behind: the rest still close.
      const partTimeoutMs = closePartTimeoutMs(config);
      for (const { plugin, hook } of closeHooks.reverse()) await closeWithin({ plugin }, partTimeoutMs, logger, hook);
      await responseSweeper.stop();
      try {
        // After every request has finished, so every record is in the last batch.
        await recorder?.close();
      } finally {
        releaseModelNameSecrets();
        if (storage) await closeWithin({ storage: resolved.storage!.name }, partTimeoutMs, logger, () => closeStorage(storage));
        logger.flush();
      }
    })();
    return closing;
  };
  started.close = close;

  prepareChatCompletionsValidator();
  prepareMessagesValidator();
  prepareResponsesValidator();
  prepareEmbeddingsValidator();
  // resolvePlugins returns one step per chain entry, in order (it throws otherwise).
  const steps = resolved.steps.map((step, index) => {
    const name = chainEntryParts(config.chain[index]!).name;
    buildingStep = name;
    return { name, handler: buildStep(step, runtime, options), headersOnly: step.headersOnly === true };
  });
  buildingStep = 'unknown';
  responseSweeper.start();
  releaseModelNameSecrets = registerModelNameSecrets(
    [...[...providers.values()].flatMap(secretsOfProvider), ...resolved.steps.flatMap((step) => step.secrets ?? []), config.master_key, config.metrics.token],
    configuredModelNames(config),
  );

  return { runtime, tracker, steps, healthChecks, ingress, close };
}

/** The model names the config writes (aliases, targets and their model ids): those a client calls most. */
function configuredModelNames(config: GatewayConfig): string[] {
  const targets = [...configuredDeployments(config)];
  return [...Object.keys(config.models), ...targets, ...targets.map((target) => target.slice(target.indexOf('/') + 1))];
}

/**
 * How long close() waits for each plugin's close hook and for the storage's close: the shutdown
 * timeout, at least a second (a drain of 0 must not give up on stores that close in a few ms).
 */
function closePartTimeoutMs(config: GatewayConfig): number {
  return Math.max(config.server.shutdown_timeout_ms, 1000);
}

/** How long close() waits, after cutting the upstream calls left at its deadline, for their requests to end. */
const cutCallsGraceMs = 1000;

/** Distinct `provider/model` series of `switchyard_unpriced_calls_total` beyond the config's own. */
const maxUnpricedSeries = 500;

/**
 * The usage recorder's part of `GET /health`: degraded while the ledger refuses
 * writes (records are then held in memory, up to `usage.max_pending`).
 */
function usageHealth(stats: UsageRecorderStats): HealthSection {
  return {
    healthy: stats.failingSince === undefined,
    pending: stats.pending,
    dropped: stats.dropped,
    refused: stats.refused,
    written: stats.written,
    failed_writes: stats.failedWrites,
    ...(stats.failingSince !== undefined && { failing_since: new Date(stats.failingSince).toISOString(), last_error: stats.lastError }),
  };
}

/**
 * The price catalog with the config's overrides. A model without a price costs 0:
 * the first recorded call of each is logged as a warning and every recorded call is counted.
 */
function createPricing(config: GatewayConfig, logger: Logger, unpricedCalls: Map<string, number>): Pricing {
  const catalog = new PriceCatalog({ ...(config.prices && { overrides: config.prices }) });
  const configured = configuredDeployments(config);
  let madeUpSeries = 0;
  const countUnpriced = (provider: string, model: string): void => {
    let key = redactModelName(`${provider}/${model}`);
    // Model names come from clients: past a bound, new ones share one series per provider. The
    // config's own names are not counted against it, so clients calling names first cannot blind them.
    if (!unpricedCalls.has(key) && !configured.has(key)) {
      if (madeUpSeries < maxUnpricedSeries) madeUpSeries++;
      else key = `${provider}/(other)`;
    }
    const count = (unpricedCalls.get(key) ?? 0) + 1;
    unpricedCalls.set(key, count);
    if (count === 1) logger.warn({ provider, model: redactModelName(model) }, 'no price for this model: its calls are recorded at cost 0 (add it under prices:)');
  };
  return {
    cost: (provider, model, usage) => catalog.cost(provider, model, usage).costUsd,
    recordedCost: (provider, model, usage) => {
      const result = catalog.cost(provider, model, usage);
      if (!result.priced) countUnpriced(provider, model);
      return result.costUsd;
    },
    priced: (provider, model) => catalog.lookup(provider, model) !== undefined,
    maxCost: (provider, model, promptTokens, maxOutputTokens, extraOutputTokens) => catalog.maxCostUsd(provider, model, promptTokens, maxOutputTokens, extraOutputTokens),
  };
}

/** The gateway's data folder: `server.data_dir`, relative to the config file's folder (or the working folder). */
export function resolveDataDir(config: GatewayConfig, configFile?: string): string {
  const base = configFile ? path.dirname(path.resolve(configFile)) : process.cwd();
  return path.resolve(base, config.server.data_dir);
}

async function openStorage(plugin: StoragePlugin, context: StorageContext): Promise<StorageSet> {
  await mkdir(context.dataDir, { recursive: true, mode: 0o700 });
  return startingStorage(async () => {
    const storage = await plugin.open(context);
    try {
      // One after the other: the stores may share a database and its migrations table.
      await storage.keys.migrate();
      await storage.ledger.migrate();
      await storage.budgets.migrate();
      await storage.responses?.migrate();
    } catch (error) {
      // Its open connections would keep `switchyard start` alive past its "could not start" line.
      await closeStorage(storage).catch(() => undefined);
      throw error;
    }
    return storage;
  });
}

async function closeStorage(storage: StorageSet): Promise<void> {
  // Stores that share one connection close it once; closing twice must be harmless.
  await storage.responses?.close();
  await storage.budgets.close();
  await storage.ledger.close();
  await storage.keys.close();
}

/**
 * Checks a config and the options of every plugin it names, without starting
 * anything. Throws one ConfigError listing every problem found.
 */
export async function checkGatewayConfig(
  rawConfig: unknown,
  options: Omit<CreateGatewayOptions, 'logger'> & { env?: Record<string, string | undefined> } = {},
): Promise<{ config: GatewayConfig; plugins: ResolvedPlugins }> {
  const { config, problems, missingEnv, typedReferences } = findConfigProblems(rawConfig, options.env ?? process.env);
  // Plugins can only be looked up in a config whose shape is right; a missing
  // environment variable leaves the shape intact, so it hides nothing else.
  const blocked = problems.some(
    (problem) => !missingEnv.has(problem.path) && (/^\/(providers|chain|storage|ingress)(\/|$)/.test(problem.path) || problem.path === ''),
  );
  let plugins: ResolvedPlugins | undefined;
  let checkedSteps: StepPlugin[] = [];
  if (!blocked) {
    try {
      plugins = await resolvePlugins(config, {
        plugins: [adapterStep as PluginFactory<unknown, unknown>, ...(options.plugins ?? [])],
        importModule: options.importModule ?? ((specifier) => import(specifier)),
        baseDir: options.configFile ? path.dirname(path.resolve(options.configFile)) : process.cwd(),
        typedReferences,
      });
      checkedSteps = plugins.steps;
    } catch (error) {
      if (!(error instanceof PluginResolutionError)) throw error;
      // A value left empty by a missing variable is reported once, as the missing variable.
      problems.push(...error.problems.filter((problem) => !missingEnv.has(problem.path)));
      checkedSteps = error.resolved?.steps ?? [];
    }
  }
  // Checks that span the config (a route group naming an unconfigured provider):
  // the same ones at start and in `switchyard validate`.
  // A config whose shape is already wrong may trip a check written for a good one:
  // its problems are reported, the check's stumble is not.
  const shapeIsRight = problems.every((problem) => missingEnv.has(problem.path));
  for (const step of checkedSteps) {
    try {
      problems.push(...(step.validate?.(config) ?? []));
    } catch (error) {
      if (shapeIsRight) throw error;
    }
  }
  // The ingress plugins, built as start builds them (its create(options), with no I/O; start builds
  // it again) and their routes checked as mountIngressPlugins checks them: validate said "valid" to a
  // route over the gateway's own paths, and to a plugin whose create throws or builds something
  // malformed, and start died on each. Each is named at the plugin's place in the config.
  if (plugins && plugins.ingress.length > 0 && shapeIsRight) {
    const built: Array<{ id: string; contribution: IngressContribution }> = [];
    const ingressPath = (id: string) => `/ingress/${id.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    for (const { id, plugin } of plugins.ingress) {
      try {
        built.push({ id, contribution: buildIngressContribution(plugin.name, () => plugin.build()) });
      } catch (error) {
        problems.push({ path: ingressPath(id), message: error instanceof Error ? error.message : String(error) });
      }
    }
    // Every problem start refuses: the config's (a route over the gateway's own paths) and the plugin's own (a route path of 42).
    for (const { id, message } of findIngressRouteProblems(built)) problems.push({ path: ingressPath(id), message });
  }
  problems.push(...findPlaceholderKeys(config), ...findTimeoutProblems(config), ...findHostProblems(config), ...findBodyLimitProblems(config), ...findProviderUrlProblems(config), ...findProviderHeaderProblems(config));
  // The providers, built as start builds them (create(options) does no I/O; start builds them again): a create
  // that threw stopped start with its bare error and stack, an async one started a provider offering nothing,
  // and validate said "valid" to both. Each is named at its place, its configured credentials blanked.
  if (plugins && shapeIsRight) {
    for (const { id, plugin } of plugins.providers) {
      const pointer = `/providers/${id.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      // Options already refused (a base_url that is no URL) would only make its create fail again.
      if (problems.some((problem) => problem.path === pointer || problem.path.startsWith(`${pointer}/`))) continue;
      try {
        buildProviderAdapters(plugin.name, () => plugin.build());
      } catch (error) {
        const blanked = withCredentialsBlanked(error, configuredCredentials(config.providers[id]));
        problems.push({ path: pointer, message: blanked instanceof Error ? blanked.message : String(blanked) });
      }
    }
  }
  if (problems.length > 0 || !plugins) throw new ConfigError(problems, options.configFile, options.configSource);
  return { config, plugins };
}

/**
 * Whether a record belongs in the ledger: it names a key, or a provider was called
 * (a gateway without auth still records its spend). Anonymous garbage stays out, so
 * a flood of bad requests cannot fill the ledger with `(none)` rows.
 */
function isChargeable(record: RequestRecord): boolean {
  return record.keyId !== undefined || record.attempts.length > 0;
}

/** Builds one step; a config problem it finds still names the file and line. */
function buildStep(step: StepPlugin, runtime: GatewayRuntime, options: CreateGatewayOptions): RequestHandler {
  try {
    return checkStepHandler(step.name, step.build(runtime));
  } catch (error) {
    if (error instanceof ConfigError && error.file === undefined && options.configFile !== undefined) {
      throw new ConfigError(error.problems, options.configFile, options.configSource);
    }
    throw error;
  }
}

/** The one info line per request; its fields are the log's contract (none of them a redacted path). */
export function requestLine(record: RequestRecord): Record<string, unknown> {
  return {
    requestId: record.id,
    clientRequestId: record.clientRequestId,
    endpoint: record.endpoint,
    keyId: record.keyId,
    model: record.requestedModel,
    provider: record.provider,
    upstreamModel: record.model,
    stream: record.stream,
    status: record.status,
    errorCode: record.errorCode,
    usage: record.usage,
    costUsd: record.costUsd,
    cacheHit: record.cacheHit || undefined,
    latencyMs: record.latencyMs,
    firstByteMs: record.firstByteMs,
    attempts: record.attempts.length,
  };
}
