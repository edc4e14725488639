import type { JsonSchema } from '../validation/compile-validator.js';
import { priceOverridesSchema } from '../pricing/price-overrides-schema.js';
import { defaultChain } from './gateway-config.js';

const identifier = '^[a-z0-9][a-z0-9_-]*$';
const modelTarget = '^[^/]+/.+$';
const positiveInteger = { type: 'integer', minimum: 1 };
// Every number has a ceiling: YAML's `.inf` and 1e309 read as Infinity, and Node's timers fire
// after 1 ms past 2^31 ms. A day is the longest wait any deadline here means.
const aDayMs = 86_400_000;
/** USD per million tokens: at most a dollar a token, beyond any real price. */
const maxUsdPerMillion = 1_000_000;

/** A group under `models:`; defaults are applied by the route step (ajv ignores them inside anyOf). */
const modelGroupSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['deployments'],
  properties: {
    deployments: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['target'],
        properties: {
          target: { type: 'string', pattern: modelTarget, description: 'provider/model' },
          weight: { type: 'number', minimum: 0, maximum: 1_000_000, description: 'Share of traffic under the weighted strategy (default 1).' },
          priority: { type: 'integer', minimum: -1_000_000, maximum: 1_000_000, description: 'Lower is tried first under the priority strategy (default 0).' },
          price: {
            type: 'object',
            additionalProperties: false,
            required: ['input', 'output'],
            properties: { input: { type: 'number', minimum: 0, maximum: maxUsdPerMillion }, output: { type: 'number', minimum: 0, maximum: maxUsdPerMillion } },
            description: 'USD per million tokens, a hint for the cheapest strategy.',
          },
          context_window: { ...positiveInteger, maximum: 100_000_000 },
        },
      },
    },
    strategy: { enum: ['weighted', 'priority', 'least-latency', 'least-busy', 'cheapest'] },
    retries: {
      type: 'object',
      additionalProperties: false,
      properties: {
        attempts: { type: 'integer', minimum: 0, maximum: 100, description: 'Rounds over the group after the first (default 2).' },
        backoff_ms: { type: 'integer', minimum: 0, maximum: 3_600_000, description: 'Base of the exponential backoff (default 200).' },
        max_backoff_ms: { type: 'integer', minimum: 0, maximum: 3_600_000, description: 'Cap of one backoff (default 5000).' },
      },
    },
    timeout_ms: { ...positiveInteger, maximum: aDayMs, description: 'Deadline of the whole routed call (default 120000).' },
    attempt_timeout_ms: { ...positiveInteger, maximum: aDayMs, description: 'Deadline of one attempt.' },
    fallbacks: { type: 'array', items: { type: 'string', minLength: 1 } },
    context_fallback: { type: 'string', minLength: 1 },
    content_filter_fallback: { type: 'string', minLength: 1 },
  },
};

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
    // No space or control character, as SWITCHYARD_MASTER_KEY: a client sends it as "Bearer <key>" (one with a space was served, and no call could use it).
    master_key: { type: 'string', minLength: 16, pattern: '^[^\\s\\x00-\\x1f\\x7f]+$', description: 'Admin key; prefer SWITCHYARD_MASTER_KEY.' },
    server: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        // Not empty: listen(port, '') binds every interface, past the loopback default.
        host: { type: 'string', minLength: 1, default: '127.0.0.1' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 4000 },
        body_limit: {
          anyOf: [{ type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*([bB]|[kKmMgG][bB])?$' }, { type: 'integer', minimum: 1, maximum: 1_073_741_824 }],
          default: '4mb',
        },
        shutdown_timeout_ms: { type: 'integer', minimum: 0, maximum: aDayMs, default: 10000 },
        // At most a minute: a supervisor's stop timeout must cover it plus the drain.
        drain_delay_ms: { type: 'integer', minimum: 0, maximum: 60_000, default: 0 },
        data_dir: { type: 'string', minLength: 1, default: '.switchyard' },
        workers: {
          anyOf: [{ type: 'integer', minimum: 1, maximum: 256 }, { const: 'auto' }],
          default: 1,
          description: 'Processes serving the port (`switchyard start`); `auto` = one per CPU core. 1 = a single process, no cluster.',
        },
        headers_timeout_ms: {
          type: 'integer',
          minimum: 1000,
          maximum: 600000,
          default: 15000,
          description: 'A client must send its request headers within this time.',
        },
        request_timeout_ms: {
          type: 'integer',
          minimum: 1000,
          maximum: 3600000,
          default: 60000,
          description: 'A client must send its whole request (headers and body) within this time.',
        },
        keep_alive_timeout_ms: {
          type: 'integer',
          minimum: 0,
          maximum: 600000,
          default: 5000,
          description: 'An idle keep-alive connection is closed after this time.',
        },
        trust_proxy: {
          type: 'integer',
          minimum: 0,
          maximum: 16,
          default: 0,
          description:
            'How many reverse proxies stand in front of the server, each appending to X-Forwarded-For: the client address is read that many hops from the right (Express\'s numeric `trust proxy`). 0 uses the socket\'s peer. Used by the dashboard\'s login throttle.',
        },
        cost_header: {
          type: 'boolean',
          default: false,
          description: 'Send x-switchyard-cost (USD) on whole answers; a stream has sent its headers before its cost is known.',
        },
        fast_path: {
          type: 'boolean',
          default: true,
          description:
            'Same-dialect fast path: when the client speaks the provider\'s own format, pass its body and the upstream events through, tapped for usage. false translates every request.',
        },
        heap_growing_percent: {
          type: 'integer',
          minimum: 0,
          maximum: 300,
          default: 20,
          description:
            'switchyard start: how far V8 lets its old generation grow past what survived the last full collection before the next one, in percent (V8 flag --heap-growing-percent). 0 leaves V8 its own factor, up to 300% with a large heap.',
        },
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Prometheus metrics on GET /metrics.',
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Record metrics and serve /metrics (false: /metrics is 404).' },
        token: {
          type: 'string',
          minLength: 16,
          maxLength: 512,
          pattern: '^\\S+$',
          description: 'When set, a scrape must send Authorization: Bearer <token>; use ${METRICS_TOKEN}.',
        },
        process_metrics: { type: 'boolean', default: true, description: 'Serve Node process metrics (CPU, memory, event loop, GC) too.' },
      },
    },
    responses: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Stored responses of the OpenAI Responses API (POST /v1/responses with store: true).',
      properties: {
        ttl: {
          type: 'string',
          pattern: '^[1-9][0-9]{0,5}(s|m|h|d)$',
          default: '30d',
          description: 'How long a stored response can be retrieved and continued (previous_response_id): a number and s, m, h or d.',
        },
      },
    },
    dashboard: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'The usage dashboard at /dashboard (standalone server, with storage).',
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Serve the dashboard at /dashboard (false: 404).' },
        session_ttl_ms: {
          type: 'integer',
          minimum: 60000,
          maximum: 604800000,
          default: 28800000,
          description: 'A dashboard session ends after this long unused.',
        },
        session_max_lifetime_ms: {
          type: 'integer',
          minimum: 60000,
          maximum: 2073600000,
          default: 604800000,
          description: 'A dashboard session ends this long after its login, however often it is used (then the page asks for the key again).',
        },
        max_sessions: { type: 'integer', minimum: 1, maximum: 100000, default: 1000, description: 'Most dashboard sessions held at once, of the master key and of virtual keys each; a login past it ends the least recently used of its kind.' },
        max_sessions_per_key: { type: 'integer', minimum: 1, maximum: 1000, default: 10, description: 'Most dashboard sessions one virtual key holds at once; its login past it ends its own oldest.' },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Bounds on what a client may send and what an upstream may stream back.',
      properties: {
        max_json_depth: { type: 'integer', minimum: 8, maximum: 1000, default: 64, description: 'Deepest nesting of a request body.' },
        max_json_keys: {
          type: 'integer',
          minimum: 1000,
          maximum: 10000000,
          default: 50000,
          description: 'Most object keys in a request body, counted over all its objects.',
        },
        max_messages: { type: 'integer', minimum: 1, maximum: 100000, default: 4096, description: 'Most messages in one chat request.' },
        max_model_name_length: { type: 'integer', minimum: 16, maximum: 1024, default: 256, description: 'Longest model name a client may send.' },
        stream_max_duration_ms: {
          type: 'integer',
          minimum: 1000,
          maximum: 86400000,
          default: 1800000,
          description: 'An upstream answer still arriving this long after its request was sent, streamed or whole, is cut: a stream with an error event, a whole answer with 504 upstream_duration_exceeded.',
        },
        stream_max_bytes: {
          type: 'integer',
          minimum: 1024,
          maximum: 17179869184,
          default: 268435456,
          description: 'A stream whose upstream sent more bytes than this is cut with an error event.',
        },
        client_stall_ms: {
          type: 'integer',
          minimum: 100,
          maximum: 3600000,
          default: 60000,
          description: 'A client that stops reading (its socket full, no drain) a stream or a whole answer this long is disconnected; the upstream is cut and the request billed as a client abort.',
        },
        upstream_connections_per_origin: {
          type: 'integer',
          minimum: 1,
          maximum: 4096,
          default: 128,
          description: 'Most connections open to one provider origin (per connect timeout); a request past them waits for a free one, at most the provider\'s timeouts.headers_ms.',
        },
        model_list_timeout_ms: {
          type: 'integer',
          minimum: 1000,
          maximum: 120000,
          default: 10000,
          description: "How long one provider's model list (for GET /v1/models) is waited for; past it, its last good list is served and it is asked again after 30 s.",
        },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
        format: {
          enum: ['auto', 'json', 'pretty'],
          default: 'auto',
          description: "How `switchyard start` writes logs: 'pretty' for people, 'json' for log collectors, 'auto' pretty on a terminal and JSON otherwise.",
        },
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
      description: "Model names clients may use: an alias ('provider/model') or a group of deployments.",
      // What the ingress takes from a client (checkModelName): another name could never be asked for.
      propertyNames: { pattern: '^[\\x21-\\x7e]{1,1024}$' },
      additionalProperties: { anyOf: [{ type: 'string', pattern: modelTarget }, modelGroupSchema] },
    },
    prices: priceOverridesSchema,
    ingress: {
      type: 'object',
      propertyNames: { pattern: identifier },
      maxProperties: 32,
      description: 'Client dialects from plugins, by id: each entry is { use: <plugin>, ...its options }; its routes run through the same chain.',
      additionalProperties: {
        type: 'object',
        properties: { use: { type: 'string', minLength: 1 } },
      },
    },
    storage: {
      type: 'object',
      required: ['use'],
      properties: { use: { type: 'string', minLength: 1 } },
      description: 'The storage plugin and its options: { use: sqlite } or { use: postgres, url: "${DATABASE_URL}" }.',
    },
    usage: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        flush_interval_ms: { type: 'integer', minimum: 10, maximum: 3_600_000, default: 1000 },
        max_batch: { type: 'integer', minimum: 1, maximum: 100_000, default: 500 },
        max_pending: {
          type: 'integer',
          minimum: 1,
          maximum: 10_000_000,
          default: 100000,
          description: 'Records kept in memory while the ledger cannot be written; past this the oldest are dropped and counted.',
        },
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
