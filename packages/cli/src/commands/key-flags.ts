import { CliError } from '../cli-error.js';
import { quoteInput } from '../terminal-text.js';

/** The flags `keys create` and `keys update` share, as parseArgs returns them. */
export interface KeyFlagValues {
  name?: string | undefined;
  team?: string | undefined;
  project?: string | undefined;
  user?: string | undefined;
  tag?: string[] | undefined;
  models?: string | undefined;
  endpoints?: string | undefined;
  budget?: string | undefined;
  period?: string | undefined;
  'alert-threshold'?: string | undefined;
  'expires-in'?: string | undefined;
  'expires-at'?: string | undefined;
  rpm?: string | undefined;
  tpm?: string | undefined;
  'max-tokens'?: string | undefined;
  disabled?: boolean | undefined;
  enabled?: boolean | undefined;
  'no-team'?: boolean | undefined;
  'no-project'?: boolean | undefined;
  'no-user'?: boolean | undefined;
  'no-models'?: boolean | undefined;
  'no-endpoints'?: boolean | undefined;
  'no-budget'?: boolean | undefined;
  'no-rpm'?: boolean | undefined;
  'no-tpm'?: boolean | undefined;
  'no-max-tokens'?: boolean | undefined;
  'no-expiry'?: boolean | undefined;
}

export const keyFlagOptions = {
  name: { type: 'string' },
  team: { type: 'string' },
  project: { type: 'string' },
  user: { type: 'string' },
  tag: { type: 'string', multiple: true },
  models: { type: 'string' },
  endpoints: { type: 'string' },
  budget: { type: 'string' },
  period: { type: 'string' },
  'alert-threshold': { type: 'string' },
  'expires-in': { type: 'string' },
  'expires-at': { type: 'string' },
  rpm: { type: 'string' },
  tpm: { type: 'string' },
  'max-tokens': { type: 'string' },
  disabled: { type: 'boolean' },
  enabled: { type: 'boolean' },
} as const;

/**
 * The flags only `keys update` reads: each sends `null`, which takes the key out of its team, project
 * or user, or clears a scope field (any model, any endpoint, no budget, no rate limit, never expires).
 */
export const clearFlagOptions = {
  'no-team': { type: 'boolean' },
  'no-project': { type: 'boolean' },
  'no-user': { type: 'boolean' },
  'no-models': { type: 'boolean' },
  'no-endpoints': { type: 'boolean' },
  'no-budget': { type: 'boolean' },
  'no-rpm': { type: 'boolean' },
  'no-tpm': { type: 'boolean' },
  'no-max-tokens': { type: 'boolean' },
  'no-expiry': { type: 'boolean' },
} as const;

/** Each scope flag `--no-X` clears, by the scope field it sends `null` for. */
const clearedScopeFields = { models: 'models', endpoints: 'endpoints', budget: 'budget', rpm: 'rpm', tpm: 'tpm', 'max-tokens': 'max_tokens' } as const;

/**
 * The admin API body for the flags given: only what was asked for, so an update
 * changes nothing else. Values are checked by the gateway, which names the field;
 * here only what cannot be sent as typed (a number that is not one) is refused.
 */
export function keyBodyFromFlags(values: KeyFlagValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of ['name', 'team', 'project', 'user'] as const) if (values[field] !== undefined) body[field] = values[field];
  for (const field of ['team', 'project', 'user'] as const) {
    if (!values[`no-${field}`]) continue;
    if (values[field] !== undefined) throw new CliError(`give --${field} or --no-${field}, not both`, 2);
    body[field] = null;
  }
  if (values.tag !== undefined) body['tags'] = values.tag;
  if (values.disabled && values.enabled) throw new CliError('give --disabled or --enabled, not both', 2);
  if (values.disabled || values.enabled) body['disabled'] = Boolean(values.disabled);

  const scope: Record<string, unknown> = {};
  if (values.models !== undefined) scope['models'] = list(values.models, '--models', 'names or globs, openai/*,smart');
  if (values.endpoints !== undefined) scope['endpoints'] = list(values.endpoints, '--endpoints', 'chat,embeddings');
  if (values['max-tokens'] !== undefined) scope['max_tokens'] = number(values['max-tokens'], '--max-tokens');
  if (values.rpm !== undefined) scope['rpm'] = number(values.rpm, '--rpm');
  if (values.tpm !== undefined) scope['tpm'] = number(values.tpm, '--tpm');
  if (values['expires-in'] !== undefined) scope['expires_in'] = values['expires-in'];
  if (values['expires-at'] !== undefined) scope['expires_at'] = values['expires-at'];
  if (values.budget !== undefined) {
    scope['budget'] = {
      limit_usd: number(values.budget, '--budget'),
      ...(values.period !== undefined && { period: values.period }),
      ...(values['alert-threshold'] !== undefined && { alert_threshold: number(values['alert-threshold'], '--alert-threshold') }),
    };
  } else if (values.period !== undefined || values['alert-threshold'] !== undefined) {
    throw new CliError('--period and --alert-threshold go with --budget', 2);
  }
  clearScopeFields(values, scope);
  if (Object.keys(scope).length > 0) body['scope'] = scope;
  return body;
}

/** Sends `null` for each scope field a `--no-…` flag names, refusing one given with the flag that sets it. */
function clearScopeFields(values: KeyFlagValues, scope: Record<string, unknown>): void {
  for (const [flag, field] of Object.entries(clearedScopeFields) as Array<[keyof typeof clearedScopeFields, string]>) {
    if (!values[`no-${flag}`]) continue;
    if (values[flag] !== undefined) throw new CliError(`give --${flag} or --no-${flag}, not both`, 2);
    scope[field] = null;
  }
  if (!values['no-expiry']) return;
  if (values['expires-in'] !== undefined || values['expires-at'] !== undefined) {
    throw new CliError('give --expires-in, --expires-at or --no-expiry, not more than one', 2);
  }
  scope['expires_at'] = null;
}

/**
 * A comma-separated flag as its items. One with none (`--models ''`, or `--models "$MODELS"`
 * with MODELS unset) is refused: sent as `[]`, it made a key that may call nothing, without a word.
 */
function list(text: string, flag: string, example: string): string[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  if (items.length === 0) throw new CliError(`${flag} names none, got ${quoteInput(text)}: give a comma-separated list (${example})`, 2);
  return items;
}

function number(text: string, flag: string): number {
  // Number() reads 0x10, 0o17 and 0b11 too: `--budget 0x10` made a $16 budget without a word.
  if (/^\s*[-+]?0[box]/i.test(text)) throw new CliError(`${flag} must be a number written in decimal, got ${quoteInput(text)}`, 2);
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new CliError(`${flag} must be a number, got ${quoteInput(text)}`, 2);
  return value;
}
