import type { RequestHandler } from 'express';
import { compileValidator, type JsonSchema, type ValidationProblem, type Validator } from '../validation/compile-validator.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import type { GatewayRuntime, HealthSection } from '../gateway/gateway-runtime.js';
import type { Logger } from '../logging/create-logger.js';
import type { BudgetStore } from '../stores/budget-store.js';
import type { KeyStore } from '../stores/key-store.js';
import type { KeyChangeChannel } from '../stores/key-change-channel.js';
import type { UsageLedger } from '../stores/usage-ledger.js';
import type { ResponseStore } from '../stores/response-store.js';
import type { ProviderAdapters } from './provider-types.js';
import type { IngressDialect } from '../ingress/ingress-dialect.js';

/** Thrown when a plugin's options do not match its schema. */
export class PluginOptionsError extends Error {
  override readonly name = 'PluginOptionsError';
  constructor(
    readonly pluginName: string,
    readonly problems: ValidationProblem[],
  ) {
    super(
      `invalid options for plugin "${pluginName}": ` +
        problems.map((p) => `${p.path || '/'} ${p.message}`).join('; '),
    );
  }
}

/**
 * Whether an error is a PluginOptionsError from this or another copy of core (a
 * plugin may bring its own): the name and a list of problems, not `instanceof`.
 */
export function isPluginOptionsError(error: unknown): error is PluginOptionsError {
  if (error instanceof PluginOptionsError) return true;
  if (!(error instanceof Error) || error.name !== 'PluginOptionsError') return false;
  const problems = (error as { problems?: unknown }).problems;
  return (
    Array.isArray(problems) &&
    problems.every((problem: unknown) => typeof problem === 'object' && problem !== null && typeof (problem as ValidationProblem).message === 'string' && typeof (problem as ValidationProblem).path === 'string')
  );
}

interface PluginDefinitionBase<Options> {
  /** The name the config uses: `openai` for a provider, `auth` for a step. */
  name: string;
  /** JSON Schema of the options; checked by ajv once, when the plugin is configured. */
  optionsSchema: JsonSchema;
  /**
   * Problems with the options past what the schema can say (a connection string the driver
   * cannot read), found by `switchyard validate` and at start alike, before anything opens.
   * Pointers into the options (`/url`); messages must not quote a value that may hold a password.
   */
  checkOptions?(options: Options): ValidationProblem[];
  /** Only for types: the options after validation. */
  readonly _options?: Options;
}

/** A step of the chain: an Express middleware built once at start. */
export interface StepDefinition<Options> extends PluginDefinitionBase<Options> {
  create(options: Options, runtime: GatewayRuntime): RequestHandler;
  /**
   * The step reads only the request's headers, never its body. When such steps
   * lead the chain they run before the body is read, so a caller without a valid
   * key is refused without the gateway reading (or waiting for) its body.
   */
  headersOnly?: boolean;
  /**
   * Checks of the options against the rest of the config (names of models or
   * providers it refers to), run by `switchyard validate` and at start alike.
   * Pointers in the problems start at the config's root (`/models/smart/fallbacks/0`).
   */
  validate?(options: Options, config: GatewayConfig): ValidationProblem[];
  /**
   * Credentials the options hold (keys listed in them): blanked wherever the gateway writes a
   * client's model name, as the master key and the providers' keys are. A client that pastes
   * its key into `model` must not have it logged, recorded or sent back in a header.
   */
  secrets?(options: Options): string[];
}

export interface ProviderDefinition<Options> extends PluginDefinitionBase<Options> {
  create(options: Options): ProviderAdapters;
}

/**
 * One HTTP route an ingress plugin serves. The gateway mounts it on its router and
 * runs it through the whole chain (auth before the body, key-scope, rate-limit,
 * cache, route, adapter) as a `chat` endpoint; answers and errors are written by the
 * plugin's dialect.
 */
export interface IngressRoute {
  /** Only `post`: a route is a chat call. */
  method: 'post';
  /**
   * An Express 5 path under the gateway's router, with `:name` parameters and `\\:`
   * for a literal colon: `/v1beta/models/:model\\:generateContent`. It may not
   * overlap the gateway's own routes (`/v1/chat/completions`, `/v1/messages`, …).
   */
  path: string;
  /** Handed to the dialect's `parse` as `request.route`, so one dialect can serve several routes (stream or not). */
  name: string;
}

/** What an ingress plugin contributes: a dialect and the routes that speak it. */
export interface IngressContribution {
  dialect: IngressDialect;
  routes: IngressRoute[];
  /**
   * The path all of this dialect's endpoints live under (Gemini's `/v1beta`). A request
   * below it that no route takes (another action such as `:countTokens`, a model list)
   * is answered 404 in the dialect's own error shape, which its clients read. Plain
   * segments only; it may not take or contain the gateway's own paths. Without it,
   * such a request gets the gateway's 404 in OpenAI's shape.
   */
  pathPrefix?: string;
}

/** The stores a storage plugin provides. */
export interface StorageSet {
  keys: KeyStore;
  ledger: UsageLedger;
  budgets: BudgetStore;
  /**
   * Stored Responses API responses (`store`, `previous_response_id`). Optional: a
   * storage plugin without it leaves them in the gateway's memory, one instance only.
   */
  responses?: ResponseStore;
  /**
   * Announces key changes to every instance sharing these stores (PostgreSQL:
   * LISTEN/NOTIFY), so cached key lookups are dropped at once. Absent for stores
   * that only one process uses (SQLite). Closed with the stores.
   */
  keyChanges?: KeyChangeChannel;
  /**
   * Whether the backing database answers (`healthy: false` while its calls fail),
   * shown as the `storage` section of `GET /health`. Optional: embedded stores may
   * have nothing to report.
   */
  health?(): HealthSection;
  /**
   * Whether the store's last call succeeded: `health()`'s `healthy`, cheap enough for
   * a check on every request (budget grants are drawn from only while it is true).
   * Optional: without it, `health()` is asked.
   */
  answers?(): boolean;
}

/** What a storage plugin gets besides its options. */
export interface StorageContext {
  /** The gateway's data folder (absolute), for file-based stores. */
  dataDir: string;
  logger: Logger;
  /**
   * The stores were made and migrated before this process opened them (a `start --workers N`
   * worker: its primary did): a file-based store opens only the file that is there, never a new
   * empty one in its place (moved away while the gateway ran, that would lose every key).
   */
  existing?: boolean;
}

export interface StorageDefinition<Options> extends PluginDefinitionBase<Options> {
  /** Opens the stores; `migrate()` is called on each by the gateway afterwards. */
  create(options: Options, context: StorageContext): StorageSet | Promise<StorageSet>;
}

/** A storage plugin with its options checked, ready to open. */
export interface StoragePlugin {
  kind: 'storage';
  name: string;
  open(context: StorageContext): Promise<StorageSet>;
}

/** An ingress dialect from a plugin: the client wire format it speaks and where. */
export interface IngressDefinition<Options> extends PluginDefinitionBase<Options> {
  create(options: Options): IngressContribution;
}

/** An ingress plugin with its options checked, ready to be mounted. */
export interface IngressPlugin {
  kind: 'ingress';
  name: string;
  build(): IngressContribution;
}

/** A step plugin with its options checked, ready to be built into the chain. */
export interface StepPlugin {
  kind: 'step';
  name: string;
  /** See {@link StepDefinition.headersOnly}. */
  headersOnly?: boolean;
  build(runtime: GatewayRuntime): RequestHandler;
  /** Problems with the config as a whole; pointers from the config's root. */
  validate?(config: GatewayConfig): ValidationProblem[];
  /** See {@link StepDefinition.secrets}. */
  secrets?: readonly string[];
}

/** A provider plugin with its options checked, ready to be started by the gateway. */
export interface ProviderPlugin {
  kind: 'provider';
  name: string;
  build(): ProviderAdapters;
}

/**
 * What a plugin package exports by default: a function from options to a plugin,
 * carrying its name and schema so the config loader can check options first.
 */
export interface PluginFactory<Options, Plugin> {
  (options?: unknown): Plugin;
  readonly kind: PluginKind;
  readonly pluginName: string;
  readonly optionsSchema: JsonSchema;
  /** Only for types. */
  readonly _options?: Options;
}

export type PluginKind = 'step' | 'provider' | 'storage' | 'ingress';

export type StepFactory<Options = unknown> = PluginFactory<Options, StepPlugin>;
export type StorageFactory<Options = unknown> = PluginFactory<Options, StoragePlugin>;
export type ProviderFactory<Options = unknown> = PluginFactory<Options, ProviderPlugin>;
export type IngressFactory<Options = unknown> = PluginFactory<Options, IngressPlugin>;

/**
 * Checks a plugin's options against its schema (compiled on the first call), on a copy
 * with the defaults filled in; refused, throws every problem at once: options are the
 * operator's config, fixed in one go.
 */
function optionsChecker<Options>(definition: PluginDefinitionBase<Options>): (options: unknown) => Options {
  const { name, optionsSchema } = definition;
  let validator: Validator<Options> | undefined;
  return (options) => {
    validator ??= compileOptionsSchema<Options>(name, optionsSchema);
    // Validation fills in defaults, so it works on a copy the caller does not see change.
    const result = validator(options === undefined ? {} : structuredClone(options));
    if (!result.ok) throw new PluginOptionsError(name, result.problems);
    const problems = definition.checkOptions?.(result.value) ?? [];
    if (problems.length > 0) throw new PluginOptionsError(name, problems);
    return result.value;
  };
}

/**
 * A schema ajv cannot compile is the plugin's bug, not the operator's: it is reported at
 * the plugin's place in the config, naming the plugin, instead of as ajv's bare "schema is invalid".
 */
function compileOptionsSchema<Options>(name: string, optionsSchema: JsonSchema): Validator<Options> {
  try {
    return compileValidator<Options>(optionsSchema, { problems: 'every' });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PluginOptionsError(name, [{ path: '', message: `the plugin '${name}' cannot be configured: its optionsSchema is not a valid JSON Schema (${reason})` }]);
  }
}

function attachMetadata<F extends (options?: unknown) => unknown>(
  factory: F,
  kind: PluginKind,
  name: string,
  schema: JsonSchema,
) {
  return Object.assign(factory, { kind, pluginName: name, optionsSchema: schema });
}

/** Declares a chain step plugin (auth, rate-limit, route …). */
export function definePlugin<Options>(definition: StepDefinition<Options>): StepFactory<Options> {
  const checkOptions = optionsChecker<Options>(definition);
  const factory = (options?: unknown): StepPlugin => {
    const checked = checkOptions(options);
    const { validate } = definition;
    return {
      kind: 'step',
      name: definition.name,
      ...(definition.headersOnly && { headersOnly: true }),
      build: (runtime) => definition.create(checked, runtime),
      ...(validate && { validate: (config: GatewayConfig) => validate(checked, config) }),
      ...(definition.secrets && { secrets: definition.secrets(checked) }),
    };
  };
  return attachMetadata(factory, 'step', definition.name, definition.optionsSchema) as StepFactory<Options>;
}

/** Declares a provider plugin (openai, anthropic, …). */
export function defineProvider<Options>(definition: ProviderDefinition<Options>): ProviderFactory<Options> {
  const checkOptions = optionsChecker<Options>(definition);
  const factory = (options?: unknown): ProviderPlugin => {
    const checked = checkOptions(options);
    return { kind: 'provider', name: definition.name, build: () => definition.create(checked) };
  };
  return attachMetadata(factory, 'provider', definition.name, definition.optionsSchema) as ProviderFactory<Options>;
}

/** Declares a storage plugin (sqlite, postgres): the key store, usage ledger and budgets. */
export function defineStorage<Options>(definition: StorageDefinition<Options>): StorageFactory<Options> {
  const checkOptions = optionsChecker<Options>(definition);
  const factory = (options?: unknown): StoragePlugin => {
    const checked = checkOptions(options);
    return { kind: 'storage', name: definition.name, open: async (context) => definition.create(checked, context) };
  };
  return attachMetadata(factory, 'storage', definition.name, definition.optionsSchema) as StorageFactory<Options>;
}

/**
 * Declares an ingress plugin: a third client dialect (Gemini's generateContent,
 * Ollama's chat …) with the routes it is served on. Mounted from the config's
 * `ingress:` section, behind the same chain as every other endpoint.
 */
export function defineIngress<Options>(definition: IngressDefinition<Options>): IngressFactory<Options> {
  const checkOptions = optionsChecker<Options>(definition);
  const factory = (options?: unknown): IngressPlugin => {
    const checked = checkOptions(options);
    return { kind: 'ingress', name: definition.name, build: () => definition.create(checked) };
  };
  return attachMetadata(factory, 'ingress', definition.name, definition.optionsSchema) as IngressFactory<Options>;
}

const pluginKinds = new Set<unknown>(['step', 'provider', 'storage', 'ingress']);

export function isPluginFactory(value: unknown): value is PluginFactory<unknown, unknown> {
  return (
    typeof value === 'function' &&
    typeof (value as { pluginName?: unknown }).pluginName === 'string' &&
    pluginKinds.has((value as { kind?: unknown }).kind)
  );
}
