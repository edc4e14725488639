import { GatewayError } from '../../errors/gateway-error.js';

/** A model as the gateway lists it, before it is put in a client's shape. */
export interface ModelListing {
  id: string;
  /** Unix seconds. */
  created: number;
}

/**
 * A model in Anthropic's shape (`GET /v1/models`, https://docs.claude.com/en/api/models-list):
 * what `anthropic.models.list()` and `retrieve()` read. The gateway knows no release
 * date, lifecycle or limits of its own: its id is the display name, the fields it
 * cannot tell are null, as Anthropic sends them for what it does not know.
 */
export interface AnthropicModelInfo {
  type: 'model';
  id: string;
  display_name: string;
  /** RFC 3339. */
  created_at: string;
  capabilities: null;
  deprecated_at: null;
  lifecycle: 'active';
  line: null;
  max_input_tokens: null;
  max_tokens: null;
  retires_at: null;
}

/** One page of Anthropic's model list, with the cursors its SDK pages by (`after_id`, `before_id`). */
export interface AnthropicModelPage {
  data: AnthropicModelInfo[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

/** Anthropic's page size: 20 unless `limit` says, 1 to 1000. */
const defaultLimit = 20;
const maxLimit = 1000;

/** Whether the caller speaks Anthropic's API: its SDKs and Claude Code send `anthropic-version` on every request. */
export function isAnthropicClient(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  return headers['anthropic-version'] !== undefined;
}

export function toAnthropicModelInfo(model: ModelListing): AnthropicModelInfo {
  return {
    type: 'model',
    id: model.id,
    display_name: model.id,
    created_at: rfc3339(model.created),
    capabilities: null,
    deprecated_at: null,
    lifecycle: 'active',
    line: null,
    max_input_tokens: null,
    max_tokens: null,
    retires_at: null,
  };
}

/**
 * The page of `models` a query asks for: the first `limit`, the `limit` after
 * `after_id`, or the `limit` just before `before_id`. A cursor that names no listed
 * model, or a bad limit, is a 400 that does not repeat what was sent.
 */
export function formatAnthropicModelPage(models: readonly ModelListing[], query: Readonly<Record<string, unknown>>): AnthropicModelPage {
  const limit = readLimit(query['limit']);
  const afterId = readCursor(query, 'after_id');
  const beforeId = readCursor(query, 'before_id');
  if (afterId !== undefined && beforeId !== undefined) {
    throw new GatewayError('invalid_request', "Give 'after_id' or 'before_id', not both.", { param: 'before_id' });
  }
  let start = 0;
  let end = Math.min(models.length, limit);
  if (afterId !== undefined) {
    start = cursorIndex(models, afterId, 'after_id') + 1;
    end = Math.min(models.length, start + limit);
  } else if (beforeId !== undefined) {
    end = cursorIndex(models, beforeId, 'before_id');
    start = Math.max(0, end - limit);
  }
  const data = models.slice(start, end).map(toAnthropicModelInfo);
  return {
    data,
    // Paging backwards, "more" lies before the page; otherwise after it.
    has_more: beforeId !== undefined ? start > 0 : end < models.length,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  };
}

function readLimit(value: unknown): number {
  if (value === undefined) return defaultLimit;
  const limit = typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(limit >= 1 && limit <= maxLimit)) {
    throw new GatewayError('invalid_request', `Invalid value for 'limit': expected a whole number from 1 to ${maxLimit}.`, { param: 'limit' });
  }
  return limit;
}

function readCursor(query: Readonly<Record<string, unknown>>, name: 'after_id' | 'before_id'): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new GatewayError('invalid_request', `Invalid value for '${name}': expected one model id.`, { param: name });
  return value;
}

function cursorIndex(models: readonly ModelListing[], id: string, name: 'after_id' | 'before_id'): number {
  const index = models.findIndex((model) => model.id === id);
  if (index === -1) throw new GatewayError('invalid_request', `Invalid value for '${name}': no listed model has that id.`, { param: name });
  return index;
}

/** Unix seconds as RFC 3339 without fractions, as Anthropic writes it (`2025-02-19T00:00:00Z`). */
function rfc3339(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? '1970-01-01T00:00:00Z' : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
