import { definePlugin, GatewayError, getContext, redisUrlProblems, type GatewayRuntime, type JsonSchema, type KeyChangeChannel } from '@switchyard/core';
import { extractApiKey } from './extract-api-key.js';
import { hashApiKey } from './hash-api-key.js';
import { masterKeyResolver, staticKeyResolver, type KeyResolver, type StaticKey } from './key-resolver.js';
import { setKeyChangeChannel } from './key-change-channel-of.js';
import { invalidationOptionsSchema, openKeyChangeChannel, type InvalidationOptions } from './open-key-change-channel.js';
import { storeKeyResolver, type OnStoreError, type StoreKeyResolver } from './store-key-resolver.js';

export interface AuthOptions {
  /** Keys written in the config; prefer `${ENV}` references over literal keys. */
  keys: StaticKey[];
  /** Whether the master key may also call the model endpoints. */
  allow_master_key: boolean;
  /**
   * When the key store cannot be reached: `fail-closed` answers every virtual key
   * with 503 `store_unavailable`; `fail-open` lets a key looked up successfully
   * within `stale_key_ttl_ms` keep working. Unknown keys get 503 either way.
   */
  on_store_error: OnStoreError;
  /** How long a key's last good lookup may stand in during an outage (fail-open only). */
  stale_key_ttl_ms: number;
  /**
   * How key changes made on another instance reach this one at once (see
   * {@link InvalidationOptions}); without a channel, within the 1 s lookup cache.
   */
  invalidation: InvalidationOptions;
}

const authOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    keys: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'key'],
        properties: {
          name: { type: 'string', minLength: 1 },
          key: { type: 'string', minLength: 16 },
          team: { type: 'string' },
          project: { type: 'string' },
          user: { type: 'string' },
        },
      },
    },
    allow_master_key: { type: 'boolean', default: true },
    on_store_error: { enum: ['fail-closed', 'fail-open'], default: 'fail-closed' },
    // At most a day: a key revoked during an outage must stop working eventually.
    stale_key_ttl_ms: { type: 'integer', minimum: 1000, maximum: 86_400_000, default: 300_000 },
    invalidation: invalidationOptionsSchema as unknown as JsonSchema,
  },
};

/**
 * The auth step: who is calling. Sets `context.principal` or answers 401. Keys are
 * tried as the master key, then the keys in the config, then virtual keys from
 * the key store (when the gateway has storage). A key store that is down answers
 * 503 `store_unavailable` (with Retry-After), or serves recently seen keys from their
 * last good lookup when `on_store_error: fail-open`. Key changes announced on the
 * `invalidation` channel (PostgreSQL NOTIFY or Redis pub/sub) drop cached lookups
 * at once, on every instance.
 */
export const auth = definePlugin<AuthOptions>({
  name: 'auth',
  optionsSchema: authOptionsSchema,
  // Only the Authorization / x-api-key headers: runs before the body is read.
  headersOnly: true,
  secrets: (options) => options.keys.map((entry) => entry.key),
  checkOptions: (options) => [
    ...sharedStaticKeyProblems(options.keys),
    ...redisUrlProblems(options.invalidation.use === 'redis' ? options.invalidation.url : undefined, '/invalidation/url'),
  ],
  // Checked at build (openKeyChangeChannel) too, where it was a stack trace at start after validate passed it.
  validate(options, config) {
    const storage = config.storage?.use;
    if (options.invalidation.use !== 'postgres' || (storage !== undefined && storage !== 'sqlite' && storage !== '@switchyard/store-sqlite')) return [];
    const index = config.chain.findIndex((step) => typeof step === 'object' && step !== null && 'auth' in step);
    return [{ path: `/chain/${index}/auth/invalidation/use`, message: 'is postgres, but the storage is not PostgreSQL (it is SQLite, which has no channel): use storage, redis or none' }];
  },
  create(options, runtime) {
    const resolvers: KeyResolver[] = [];
    if (options.allow_master_key && runtime.masterKey) resolvers.push(masterKeyResolver(runtime.masterKey));
    if (options.keys.length > 0) resolvers.push(staticKeyResolver(options.keys));
    if (runtime.storage) {
      const resolver = storeKeyResolver(runtime.storage.keys, { onStoreError: options.on_store_error, staleKeyTtlMs: options.stale_key_ttl_ms });
      resolvers.push(resolver);
      const channel = openKeyChangeChannel(options.invalidation, runtime);
      if (channel) {
        const stop = channel.subscribe((change) => resolver.invalidate(change));
        runtime.onClose(stop);
      }
      // The admin API mounted beside this step announces on this: its change bites here on the next request.
      setKeyChangeChannel(runtime, invalidatingHereFirst(resolver, channel ?? runtime.storage.keyChanges));
      warnOfUnenforcedScopes(runtime);
    }
    if (resolvers.length === 0) {
      runtime.logger.warn('the auth step has no master key, no keys and no key store: every request will be refused');
    }
    return async (req, res, next) => {
      const key = extractApiKey(req);
      if (!key) {
        throw new GatewayError(
          'missing_api_key',
          // Each dialect's clients send their own header: OpenAI's Bearer, Anthropic's x-api-key, Gemini's x-goog-api-key.
          'No API key was provided. Send it as "Authorization: Bearer <key>" (or in an x-api-key or x-goog-api-key header).',
        );
      }
      const presented = { key, digest: hashApiKey(key) };
      for (const resolver of resolvers) {
        const principal = await resolver.resolve(presented);
        if (principal) {
          getContext(res).principal = principal;
          next();
          return;
        }
      }
      throw new GatewayError('invalid_api_key', 'The API key is not valid.');
    };
  },
});

/**
 * Config keys written twice under one name, or one key under two entries. A config key's
 * identity is its name (`static:<name>`): its usage, rate limits and stored responses. Two
 * holders of one name shared them (each could continue the other's stored responses); one
 * key in two entries went to the later entry's owner alone. Named by index, never by key.
 */
function sharedStaticKeyProblems(keys: readonly StaticKey[]): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const names = new Map<string, number>();
  const digests = new Map<string, number>();
  keys.forEach((entry, index) => {
    const sameName = names.get(entry.name);
    if (sameName !== undefined) {
      problems.push({ path: `/keys/${index}/name`, message: `is the name of /keys/${sameName} too: each key needs its own name (its usage, rate limits and stored responses are kept under it)` });
    } else names.set(entry.name, index);
    const digest = hashApiKey(entry.key);
    const sameKey = digests.get(digest);
    if (sameKey !== undefined) {
      problems.push({ path: `/keys/${index}/key`, message: `is the key of /keys/${sameKey} too: a key belongs to one entry` });
    } else digests.set(digest, index);
  });
  return problems;
}

/**
 * The channel an admin API announces a key change on: it drops this instance's cached
 * lookups of the key at once, then tells the other instances. Without it a change made
 * here waited for the 1 s lookup cache (SQLite has no channel), or for this instance's
 * own notice to come back (PostgreSQL, Redis), which may be after the admin's answer.
 */
function invalidatingHereFirst(resolver: StoreKeyResolver, others: KeyChangeChannel | undefined): KeyChangeChannel {
  return {
    name: others?.name ?? 'local',
    publish(keyId) {
      resolver.invalidate({ keyId });
      return others ? others.publish(keyId) : Promise.resolve(true);
    },
    subscribe: (listener) => (others ? others.subscribe(listener) : () => {}),
    close: () => (others ? others.close() : Promise.resolve()),
  };
}

/**
 * The admin API takes every part of a key's scope, but only the steps in the chain
 * enforce them: a chain written out without `key-scope` served a key limited to other
 * models, endpoints and a $0 budget. Said once at start, naming what goes unenforced.
 */
function warnOfUnenforcedScopes(runtime: GatewayRuntime): void {
  const steps = new Set(runtime.config.chain.map((entry) => (typeof entry === 'string' ? entry : Object.keys(entry)[0])));
  const unenforced = [
    ...(steps.has('key-scope') ? [] : ['models, endpoints, max_tokens and budgets (add key-scope after auth)']),
    ...(steps.has('rate-limit') ? [] : ['rpm and tpm (add rate-limit)']),
  ];
  if (unenforced.length === 0) return;
  runtime.logger.warn(`the chain serves virtual keys but does not enforce these parts of their scope: ${unenforced.join('; ')}`);
}
