import type { JsonSchema } from '../validation/compile-validator.js';
import { priceOverridesSchema } from '../pricing/price-overrides-schema.js';
import { defaultChain } from './gateway-config.js';

const identifier = '^[a-z0-9][a-z0-9_-]*$';

/**
 * The JSON Schema of the config file. Plugin options are checked separately
 * against each plugin's own schema. `config/switchyard.schema.json` is generated
 * from this (`npm run schema`) for editors.
 */
export const gatewayConfigSchema: JsonSchema = {
  $id: 'https://switchyard.dev/schema/config.json',
  title: 'Switchyard gateway configuration',
  type: 'object',
  additionalProperties: false,
  properties: {
    master_key: { type: 'string', minLength: 16, description: 'Admin key; prefer SWITCHYARD_MASTER_KEY.' },
    server: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 4000 },
        body_limit: {
          anyOf: [{ type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*([bB]|[kKmMgG][bB])?$' }, { type: 'integer', minimum: 1 }],
          default: '4mb',
        },
        shutdown_timeout_ms: { type: 'integer', minimum: 0, default: 10000 },
        data_dir: { type: 'string', minLength: 1, default: '.switchyard' },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
      },
    },
    providers: {
      type: 'object',
      default: { mock: {} },
      propertyNames: { pattern: identifier },
      additionalProperties: {
        type: 'object',
        properties: { use: { type: 'string', minLength: 1 } },
      },
    },
    models: {
      type: 'object',
      default: {},
      additionalProperties: { type: 'string', pattern: '^[^/]+/.+$' },
    },
    prices: priceOverridesSchema,
    storage: {
      type: 'object',
      required: ['use'],
      properties: { use: { type: 'string', minLength: 1 } },
      description: 'The storage plugin and its options: { use: sqlite } or { use: postgres, url: ${DATABASE_URL} }.',
    },
    usage: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        flush_interval_ms: { type: 'integer', minimum: 10, default: 1000 },
        max_batch: { type: 'integer', minimum: 1, default: 500 },
      },
    },
    chain: {
      type: 'array',
      minItems: 1,
      default: defaultChain,
      items: {
        anyOf: [
          { type: 'string', pattern: identifier },
          {
            type: 'object',
            minProperties: 1,
            maxProperties: 1,
            propertyNames: { pattern: identifier },
            additionalProperties: { type: ['object', 'null'] },
          },
        ],
      },
    },
  },
};
