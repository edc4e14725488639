import { definePlugin, GatewayError, getContext, type JsonSchema } from '@switchyard/core';
import { extractApiKey } from './extract-api-key.js';
import { hashApiKey } from './hash-api-key.js';
import { masterKeyResolver, staticKeyResolver, type KeyResolver, type StaticKey } from './key-resolver.js';
import { storeKeyResolver } from './store-key-resolver.js';

export interface AuthOptions {
  /** Keys written in the config; prefer `${ENV}` references over literal keys. */
  keys: StaticKey[];
  /** Whether the master key may also call the model endpoints. */
  allow_master_key: boolean;
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
  },
};

/**
 * The auth step: who is calling. Sets `context.principal` or answers 401. Keys are
 * tried as the master key, then the keys in the config, then virtual keys from
 * the key store (when the gateway has storage).
 */
export const auth = definePlugin<AuthOptions>({
  name: 'auth',
  optionsSchema: authOptionsSchema,
  // Only the Authorization / x-api-key headers: runs before the body is read.
  headersOnly: true,
  create(options, runtime) {
    const resolvers: KeyResolver[] = [];
    if (options.allow_master_key && runtime.masterKey) resolvers.push(masterKeyResolver(runtime.masterKey));
    if (options.keys.length > 0) resolvers.push(staticKeyResolver(options.keys));
    if (runtime.storage) resolvers.push(storeKeyResolver(runtime.storage.keys));
    if (resolvers.length === 0) {
      runtime.logger.warn('the auth step has no master key, no keys and no key store: every request will be refused');
    }
    return async (req, res, next) => {
      const key = extractApiKey(req);
      if (!key) {
        throw new GatewayError(
          'missing_api_key',
          'No API key was provided. Send it as "Authorization: Bearer <key>".',
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
