import type { JsonSchema } from '@switchyard/core';

/** The admin API's request shapes, in the snake_case the API speaks. */

export interface BudgetBody {
  limit_usd: number;
  /** Monthly on create; in an update, the budget's own when not given. */
  period?: 'daily' | 'weekly' | 'monthly' | 'total';
  /** In an update, the budget's own when not given; `null` clears it. */
  alert_threshold?: number | null;
}

export interface ScopeBody {
  models?: string[] | null;
  endpoints?: Array<'chat' | 'messages' | 'responses' | 'embeddings' | 'models' | 'custom'> | null;
  max_tokens?: number | null;
  budget?: BudgetBody | null;
  rpm?: number | null;
  tpm?: number | null;
  /** ISO time. */
  expires_at?: string | null;
  /** A duration from now: `30d`, `12h`, or seconds. */
  expires_in?: string | number;
}

export interface KeyFieldsBody {
  name?: string;
  /** `null` (in an update) takes the key out of its team, project or user. */
  team?: string | null;
  project?: string | null;
  user?: string | null;
  tags?: string[];
  scope?: ScopeBody;
  disabled?: boolean;
}

export interface RotateBody {
  grace_period?: string | number;
}

export interface ListKeysQuery {
  limit?: string;
  cursor?: string;
  team?: string;
  project?: string;
  tag?: string;
  include_revoked?: 'true' | 'false';
}

export interface ListAuditQuery {
  limit?: string;
  cursor?: string;
}

export interface UsageQueryParams {
  group_by?: 'key' | 'team' | 'project' | 'model' | 'provider' | 'day' | 'error_code';
  bucket?: 'hour' | 'day';
  from?: string;
  to?: string;
  key_id?: string;
  format?: 'json' | 'csv';
  /** Most groups to list, 1 to 1000 (see usage-limit.ts). */
  limit?: string;
}

export interface RequestsQueryParams {
  from?: string;
  to?: string;
  key_id?: string;
  model?: string;
  /** `ok`, `error` or a three-digit status. */
  status?: string;
  limit?: string;
  cursor?: string;
}

export interface SelfQueryParams {
  from?: string;
  to?: string;
  bucket?: 'hour' | 'day';
  /** Most models to list, as `/admin/usage`'s `limit`. */
  limit?: string;
}

// Every number has a ceiling and every string a length: the body parser already
// refuses non-finite numbers (`1e309`) and deep nesting; these keep values sane.
const label = { type: 'string', minLength: 1, maxLength: 200 };
const positiveInteger = (maximum: number) => ({ type: 'integer', minimum: 1, maximum });
/** Seconds as a number (at most a hundred years, see MAX_DURATION_MS) or text such as `30d`. */
const duration = { type: ['string', 'integer'], minLength: 1, maxLength: 64, minimum: 0, maximum: 3_153_600_000 };

/** The ceilings of the admin API's numbers. */
export const adminBounds = {
  /** `scope.max_tokens`, as the ingress's own ceiling. */
  maxTokens: 1_000_000,
  /** `scope.budget.limit_usd`: a billion dollars. */
  budgetUsd: 1_000_000_000,
  /**
   * `scope.rpm`, `scope.tpm`: the most the rate limiter counts exactly, one unit per tick of its
   * clock (2^-12 ms), 245,760,000 a minute; the rate-limit step's own limits take the same.
   */
  rpm: 245_760_000,
  tpm: 245_760_000,
} as const;

/** In an update, `null` clears a scope field; on create it is simply not allowed. */
function scopeSchema(nullable: boolean): JsonSchema {
  const orNull = (schema: Record<string, unknown>) =>
    nullable ? { ...schema, type: [schema['type'] as string, 'null'] } : schema;
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      models: orNull({ type: 'array', items: { type: 'string', minLength: 1, maxLength: 300 }, maxItems: 1000 }),
      endpoints: orNull({ type: 'array', items: { enum: ['chat', 'messages', 'responses', 'embeddings', 'models', 'custom'] }, maxItems: 6, uniqueItems: true }),
      max_tokens: orNull(positiveInteger(adminBounds.maxTokens)),
      budget: orNull({
        type: 'object',
        additionalProperties: false,
        required: ['limit_usd'],
        properties: {
          limit_usd: { type: 'number', minimum: 0, maximum: adminBounds.budgetUsd },
          // An update without them keeps the budget's own (see keyFieldsFromBody); a new budget is monthly.
          period: { enum: ['daily', 'weekly', 'monthly', 'total'], ...(!nullable && { default: 'monthly' }) },
          alert_threshold: orNull({ type: 'number', exclusiveMinimum: 0, maximum: 1 }),
        },
      }),
      rpm: orNull(positiveInteger(adminBounds.rpm)),
      tpm: orNull(positiveInteger(adminBounds.tpm)),
      expires_at: orNull({ type: 'string', minLength: 1, maxLength: 64 }),
      expires_in: duration,
    },
  };
}

function keyFieldsSchema(forUpdate: boolean): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    ...(!forUpdate && { required: ['name'] }),
    properties: {
      name: label,
      // An update's null takes the key out of its team, project or user (a team disbanded).
      team: forUpdate ? { ...label, type: ['string', 'null'] } : label,
      project: forUpdate ? { ...label, type: ['string', 'null'] } : label,
      user: forUpdate ? { ...label, type: ['string', 'null'] } : label,
      tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 100 }, maxItems: 50, uniqueItems: true },
      scope: scopeSchema(forUpdate),
      disabled: { type: 'boolean' },
    },
  };
}

export const createKeySchema = keyFieldsSchema(false);
export const updateKeySchema = keyFieldsSchema(true);

export const rotateKeySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { grace_period: duration },
};

// Query strings arrive as strings (an array when a name is repeated, which `type: string` refuses).
const queryText = { type: 'string', minLength: 1, maxLength: 500 };

export const listKeysQuerySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: queryText,
    cursor: queryText,
    team: queryText,
    project: queryText,
    tag: queryText,
    include_revoked: { enum: ['true', 'false'] },
  },
};

export const listAuditQuerySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: queryText, cursor: queryText },
};

export const usageQuerySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    group_by: { enum: ['key', 'team', 'project', 'model', 'provider', 'day', 'error_code'] },
    bucket: { enum: ['hour', 'day'] },
    from: queryText,
    to: queryText,
    key_id: queryText,
    format: { enum: ['json', 'csv'] },
    limit: queryText,
  },
};

export const requestsQuerySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: queryText,
    to: queryText,
    key_id: { type: 'string', minLength: 1, maxLength: 200 },
    model: { type: 'string', minLength: 1, maxLength: 300 },
    status: { type: 'string', pattern: '^(ok|error|[1-5][0-9][0-9])$' },
    limit: { type: 'string', pattern: '^[0-9]{1,3}$' },
    cursor: { type: 'string', minLength: 1, maxLength: 512 },
  },
};

export const selfQuerySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: queryText,
    to: queryText,
    bucket: { enum: ['hour', 'day'] },
    limit: queryText,
  },
};
