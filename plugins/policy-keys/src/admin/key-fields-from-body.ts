import type { KeyFieldChanges, KeyScope } from '@switchyard/core';
import type { KeyFieldsBody, ScopeBody } from './admin-schemas.js';
import { invalidField } from './check-input.js';
import { parseDuration } from './parse-duration.js';
import { parseIsoTime } from './parse-iso-time.js';
import { wholeMicroDollars, wholeMicroDollarsProblem } from '../whole-micro-dollars.js';

export interface ParsedKeyFields {
  /** What to hand the key store. */
  fields: KeyFieldChanges;
  /** What changed, for the audit log: the body as given, with `expires_in` resolved to `expires_at`. */
  details: Record<string, unknown>;
}

/**
 * The names `/usage` gives rows that are no team or project: `(none)` to requests of keys
 * without one, `(other)` to the groups past the limit. A key in team `(none)` had its spend
 * summed with every teamless key's in one row; one in `(other)` read as the folded groups in a CSV.
 */
const reportRowNames: ReadonlySet<string> = new Set(['(none)', '(other)']);

/**
 * Turns a checked create or update body into key store fields. The scope is merged
 * into `currentScope` field by field (`null` clears one), so an update that sets only
 * `rpm` keeps the budget.
 */
export function keyFieldsFromBody(body: KeyFieldsBody, currentScope: KeyScope, now: Date): ParsedKeyFields {
  const fields: KeyFieldChanges = {};
  const details: Record<string, unknown> = {};
  for (const name of ['name', 'team', 'project', 'user', 'tags', 'disabled'] as const) {
    if (body[name] === undefined) continue;
    if ((name === 'team' || name === 'project') && reportRowNames.has(body[name] as string)) {
      throw invalidField(name, `'(none)' and '(other)' are the rows usage reports give keys without a ${name} and the groups past the limit: a ${name} so named would read as one of them`);
    }
    (fields as Record<string, unknown>)[name] = body[name];
    details[name] = body[name];
  }
  if (body.scope !== undefined) {
    const scopeDetails: Record<string, unknown> = { ...body.scope };
    fields.scope = mergeScope(currentScope, body.scope, now, scopeDetails);
    details['scope'] = scopeDetails;
  }
  return { fields, details };
}

function mergeScope(current: KeyScope, body: ScopeBody, now: Date, details: Record<string, unknown>): KeyScope {
  const scope: KeyScope = { ...current };
  const assign = <K extends keyof KeyScope>(key: K, value: KeyScope[K] | null | undefined) => {
    if (value === undefined) return;
    if (value === null) delete scope[key];
    else scope[key] = value;
  };
  body.models?.forEach(checkModelPattern);
  assign('models', body.models);
  assign('endpoints', body.endpoints);
  assign('maxTokens', body.max_tokens);
  assign('rpm', body.rpm);
  assign('tpm', body.tpm);
  if (body.budget !== undefined) {
    // A new limit alone keeps the budget's period and threshold: raising a $5 daily budget to $50 must not make it $50 a month.
    const kept = current.budget;
    const threshold = body.budget?.alert_threshold === undefined ? kept?.alertThreshold : (body.budget.alert_threshold ?? undefined);
    assign(
      'budget',
      body.budget && {
        limitUsd: limitInMicroDollars(body.budget.limit_usd),
        period: body.budget.period ?? kept?.period ?? 'monthly',
        ...(threshold !== undefined && { alertThreshold: threshold }),
      },
    );
  }
  const expiresAt = resolveExpiry(body, now);
  assign('expiresAt', expiresAt);
  if (body.expires_in !== undefined) {
    delete details['expires_in'];
    details['expires_at'] = expiresAt;
  }
  return scope;
}

function resolveExpiry(body: ScopeBody, now: Date): string | null | undefined {
  if (body.expires_at !== undefined && body.expires_in !== undefined) {
    throw invalidField('scope.expires_in', 'give expires_at or expires_in, not both');
  }
  if (body.expires_in !== undefined) {
    const milliseconds = parseDuration(body.expires_in);
    if (milliseconds === undefined || milliseconds === 0) {
      throw invalidField('scope.expires_in', 'expected a duration such as 30d, 12h, 90m or 2s, or a number of seconds above 0');
    }
    return new Date(now.getTime() + milliseconds).toISOString();
  }
  if (body.expires_at === undefined || body.expires_at === null) return body.expires_at;
  const time = parseIsoTime(body.expires_at);
  if (time === undefined) throw invalidField('scope.expires_at', 'expected an ISO time such as 2026-12-31T23:59:59Z');
  if (time <= now.getTime()) throw invalidField('scope.expires_at', 'must be in the future');
  return new Date(time).toISOString();
}

/** What a model name is made of (visible ASCII, no spaces), with `*` among it. */
const modelPatternCharacters = /^[\x21-\x7e]+$/;

/**
 * A pattern with a space or a character outside ASCII matches no model name: stored, it
 * made a key that refused every call (`" mock/echo "`, a list pasted as one string).
 */
function checkModelPattern(pattern: string, index: number): void {
  if (!modelPatternCharacters.test(pattern)) {
    throw invalidField(`scope.models[${index}]`, 'a model pattern is visible ASCII without spaces, as model names are (mock/echo, openai/*, *-mini); it would match no model');
  }
}

/** A key budget's limit in whole micro-dollars, or the 400 naming it (see wholeMicroDollars). */
function limitInMicroDollars(usd: number): number {
  const whole = wholeMicroDollars(usd);
  if (whole === undefined) throw invalidField('scope.budget.limit_usd', wholeMicroDollarsProblem);
  return whole;
}
