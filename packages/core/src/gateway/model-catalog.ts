import type { ModelInfo } from '../canonical/model-info.js';
import type { ModelEntry } from '../config/gateway-config.js';
import type { Logger } from '../logging/create-logger.js';
import type { Provider } from '../plugin/provider-types.js';
import { isJsonObject } from '../transport/upstream-wire-values.js';
import { isCallableModelId } from '../ingress/check-model-name.js';

/** A model as `/v1/models` lists it: addressed as `provider/model` or by an alias. */
export interface ListedModel {
  id: string;
  ownedBy: string;
  created: number;
  /** For an alias, what it stands for. */
  target?: string;
  /** For a group, its deployments (`provider/model`), in config order. */
  deployments?: string[];
}

interface CacheEntry {
  models: ModelInfo[];
  /** The ids of `models`, for `isListed`: it runs per request with names clients choose, and a scan took up to 10,000 steps. */
  ids: ReadonlySet<string>;
  fetchedAt: number;
  pending?: Promise<ModelInfo[]>;
  /** After a failed listing: when the provider may be asked again; its last good list is served until then. */
  retryAt?: number;
}

const defaultTtlMs = 5 * 60_000;
/** `limits.model_list_timeout_ms`'s default, for a catalog made without one. */
const defaultListTimeoutMs = 10_000;
/**
 * How long a failed listing is remembered. Asked again on the very next call, a provider
 * that hangs cost every `/v1/models` its list timeout for as long as it was down.
 */
const failedListRetryMs = 30_000;
/** Bounds on what one provider's list may add to `/v1/models`: a model id, and the models kept. */
const maxListedIdLength = 1024;
const maxListedModels = 10_000;
const noIds: ReadonlySet<string> = new Set();

/**
 * Lists models live from each provider's list endpoint, so new models appear without
 * a code change, cached with a TTL. A provider that fails to answer keeps its last
 * good list (or none) and does not fail the whole listing.
 */
export class ModelCatalog {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly startedAt = Math.floor(Date.now() / 1000);
  /** Names a step answers besides `models:` and the providers' (the route step's smart name): listed as aliases are. */
  private readonly routedNames: string[] = [];

  constructor(
    private readonly providers: ReadonlyMap<string, Provider>,
    private readonly aliases: Readonly<Record<string, ModelEntry>>,
    private readonly logger: Logger,
    /** How long one provider's list is waited for (`limits.model_list_timeout_ms`). */
    private readonly listTimeoutMs = defaultListTimeoutMs,
  ) {}

  async list(): Promise<ListedModel[]> {
    const perProvider = await Promise.all(
      [...this.providers.values()].map(async (provider) =>
        (await this.providerModels(provider)).map(
          (model): ListedModel => ({
            id: `${provider.id}/${model.id}`,
            ownedBy: model.ownedBy ?? provider.id,
            created: model.created ?? this.startedAt,
          }),
        ),
      ),
    );
    const aliases = Object.entries(this.aliases).map(
      ([alias, entry]): ListedModel => ({
        id: alias,
        ownedBy: 'switchyard',
        created: this.startedAt,
        ...(typeof entry === 'string' ? { target: entry } : { deployments: entry.deployments.map((deployment) => deployment.target) }),
      }),
    );
    const routed = this.routedNames.map((name): ListedModel => ({ id: name, ownedBy: 'switchyard', created: this.startedAt }));
    return [...routed, ...aliases, ...perProvider.flat()];
  }

  /**
   * Lists a name a chain step answers that is neither under `models:` nor a provider's
   * (the route step's smart name): callable, it must be listed and retrievable too, or a
   * key scoped to it alone lists nothing.
   */
  addRoutedName(name: string): void {
    if (!this.routedNames.includes(name) && !Object.hasOwn(this.aliases, name)) this.routedNames.push(name);
  }

  /**
   * Whether `provider/model` was in its provider's last fetched list. Answers from
   * the cache only, never calls a provider: for per-deployment state (breakers)
   * that must not grow one entry per name a client makes up.
   */
  isListed(id: string): boolean {
    const slash = id.indexOf('/');
    if (slash <= 0) return false;
    return this.cache.get(id.slice(0, slash))?.ids.has(id.slice(slash + 1)) ?? false;
  }

  private async providerModels(provider: Provider): Promise<ModelInfo[]> {
    if (!provider.listModels) return [];
    const entry = this.cache.get(provider.id);
    const ttl = provider.modelsTtlMs ?? defaultTtlMs;
    if (entry && Date.now() - entry.fetchedAt < ttl) return entry.models;
    if (entry?.pending) return entry.pending;
    if (entry?.retryAt !== undefined && Date.now() < entry.retryAt) return entry.models;
    const pending = this.fetch(provider, entry);
    this.cache.set(provider.id, { models: entry?.models ?? [], ids: entry?.ids ?? noIds, fetchedAt: entry?.fetchedAt ?? 0, pending });
    return pending;
  }

  private async fetch(provider: Provider, previous: CacheEntry | undefined): Promise<ModelInfo[]> {
    try {
      const models = readableModels(await withinTimeout(provider.listModels!, this.listTimeoutMs), provider.id, this.logger);
      this.cache.set(provider.id, { models, ids: new Set(models.map((model) => model.id)), fetchedAt: Date.now() });
      return models;
    } catch (error) {
      this.logger.warn({ provider: provider.id, err: describe(error) }, 'listing models failed; serving the last known list');
      // Tried again after a short wait rather than a whole TTL, and not on every call meanwhile.
      this.cache.set(provider.id, {
        models: previous?.models ?? [],
        ids: previous?.ids ?? noIds,
        fetchedAt: previous?.fetchedAt ?? 0,
        retryAt: Date.now() + failedListRetryMs,
      });
      return previous?.models ?? [];
    }
  }
}

/**
 * The list, or a rejection once the timeout passed: a plugin's own `list` that
 * ignores its signal and never settles hung `/v1/models` for good (every later call
 * joined the same pending fetch).
 */
function withinTimeout(list: NonNullable<Provider['listModels']>, timeoutMs: number): Promise<ModelInfo[]> {
  const signal = AbortSignal.timeout(timeoutMs);
  return new Promise<ModelInfo[]>((resolve, reject) => {
    const timedOut = () => reject(new Error(`no model list within ${timeoutMs} ms`));
    signal.addEventListener('abort', timedOut, { once: true });
    const settle = () => signal.removeEventListener('abort', timedOut);
    list(signal).then(
      (models) => (settle(), resolve(models)),
      (error: unknown) => (settle(), reject(error)),
    );
  });
}

/**
 * The entries of a provider's list that are models: an id of text (bounded), an
 * owner of text, a created time in whole seconds. A plugin's list holding `null`, a
 * number or `{ id: 42 }` made the whole `/v1/models`, every provider's, a 500.
 */
function readableModels(models: unknown, provider: string, logger: Logger): ModelInfo[] {
  if (!Array.isArray(models)) throw new Error('the model list is not a list');
  const readable: ModelInfo[] = [];
  const seen = new Set<string>();
  for (const model of models) {
    if (readable.length === maxListedModels) break;
    const { id, ownedBy, created } = isJsonObject(model) ? model : {};
    if (typeof id !== 'string' || id === '' || id.length > maxListedIdLength) continue;
    // An id a request could not name (a line break, a space, `..`) was listed, then refused 400 when called; one listed twice, twice.
    if (!isCallableModelId(id) || seen.has(id)) continue;
    seen.add(id);
    readable.push({
      id,
      ...(typeof ownedBy === 'string' && ownedBy !== '' && ownedBy.length <= maxListedIdLength && { ownedBy }),
      ...(Number.isSafeInteger(created) && (created as number) >= 0 && { created: created as number }),
    });
  }
  if (readable.length < models.length) logger.warn({ provider, listed: models.length, kept: readable.length }, 'the model list held entries that are not models; left out');
  return readable;
}

function describe(error: unknown): { code?: string; message: string } {
  const code = (error as { code?: unknown }).code;
  // The causes too, as pino writes an error's (already redacted by providerFailure): a plugin's own throw is
  // wrapped in "The x provider's plugin failed on this request.", and that alone told its author nothing.
  let message = error instanceof Error ? error.message : String(error);
  let cause = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; cause instanceof Error && depth < 4; depth++, cause = cause.cause) message += `: ${cause.message}`;
  return { ...(typeof code === 'string' && { code }), message };
}
