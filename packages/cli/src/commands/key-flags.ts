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

/** The flags only `keys update` reads: each sends `null`, which takes the key out of its team, project or user. */
export const clearFlagOptions = {
  'no-team': { type: 'boolean' },
  'no-project': { type: 'boolean' },
  'no-user': { type: 'boolean' },
} as const;

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
  if (Object.keys(scope).length > 0) body['scope'] = scope;
  return body;
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
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new CliError(`${flag} must be a number, got ${quoteInput(text)}`, 2);
  return value;
}
