import { parseArgs } from 'node:util';
import type { AuditRecord, KeyRecord } from '@switchyard/policy-keys';
import { callAdmin, resolveConnection, type AdminConnection } from '../admin-client.js';
import { CliError } from '../cli-error.js';
import { formatTable } from '../format-table.js';
import { joinNegativeValues } from '../negative-values.js';
import { escapeControlCharacters, quoteInput, terminalJson } from '../terminal-text.js';
import { clearFlagOptions, keyBodyFromFlags, keyFlagOptions } from './key-flags.js';
import { formatUsd } from '../format-usd.js';

export const keysUsage = `Usage: switchyard keys <create|list|show|update|revoke|rotate|audit> [ID] [options]

  create   --name NAME [--team T] [--project P] [--user U] [--tag X]... [--models a,b]
           [--endpoints chat,embeddings] [--budget USD [--period daily|weekly|monthly|total]
           [--alert-threshold 0.8]] [--rpm N] [--tpm N] [--max-tokens N]
           [--expires-in 30d | --expires-at ISO] [--disabled]
  list     [--team T] [--project P] [--tag X] [--limit N] [--cursor C] [--include-revoked]
  show     ID
  update   ID  [the create flags to change] [--enabled | --disabled]
               [--no-team] [--no-project] [--no-user]   take the key out of its team, project, user
               [--no-models] [--no-endpoints] [--no-budget] [--no-rpm] [--no-tpm]
               [--no-max-tokens] [--no-expiry]   clear a limit: any model or endpoint,
                                                 no budget, no rate limit, never expires
  revoke   ID
  rotate   ID  [--grace 10m]   the old secret keeps working for the grace period
  audit    ID  [--limit N] [--cursor C]   oldest first, 100 entries a page by default

  --url URL                the gateway (SWITCHYARD_URL, default http://127.0.0.1:4000)
  --master-key-file FILE   the master key's file when given, else SWITCHYARD_MASTER_KEY,
                           else .switchyard/master-key
  --json                   print the API's JSON answer
`;

const options = {
  ...keyFlagOptions,
  ...clearFlagOptions,
  url: { type: 'string' },
  'master-key-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  'include-revoked': { type: 'boolean' },
  grace: { type: 'string' },
} as const;

type Flag = keyof typeof options;
const keyFlags = Object.keys(keyFlagOptions) as Flag[];

/** The flags each action reads besides --url, --master-key-file, --json and --help: any other is refused, not ignored. */
const actionFlags: Readonly<Record<string, readonly Flag[]>> = {
  create: keyFlags,
  update: [...keyFlags, ...(Object.keys(clearFlagOptions) as Flag[])],
  list: ['team', 'project', 'tag', 'limit', 'cursor', 'include-revoked'],
  show: [],
  revoke: [],
  rotate: ['grace'],
  audit: ['limit', 'cursor'],
};
const everyActionFlags: readonly Flag[] = ['url', 'master-key-file', 'json', 'help'];

/** `switchyard keys …`: a thin client of the admin API of a running gateway. */
export async function keysCommand(args: string[], env: Record<string, string | undefined>, cwd: string): Promise<number> {
  const { values, positionals } = parseArgs({ args: joinNegativeValues(args, options), options, allowPositionals: true });
  const [action, id, ...extra] = positionals;
  if (values.help || !action) {
    process.stdout.write(keysUsage);
    return values.help ? 0 : 2;
  }
  const accepted = Object.hasOwn(actionFlags, action) ? actionFlags[action]! : undefined;
  if (accepted === undefined) throw new CliError(`unknown keys command ${quoteInput(action)}`, 2, keysUsage);
  // `keys list --name x` listed every key, `keys show ID --budget 5` changed nothing: without a word.
  const stray = (Object.keys(values) as Flag[]).find((flag) => !accepted.includes(flag) && !everyActionFlags.includes(flag));
  if (stray !== undefined) throw new CliError(`keys ${action} does not take --${stray} (see switchyard keys --help)`, 2);
  if (extra.length > 0) throw new CliError(`unexpected argument ${quoteInput(extra[0]!)}`, 2);
  // Resolved at the first call, once the command line is checked: `keys create` without --name, run
  // where no master key is, said "no master key" and not what was missing from the command.
  let connection: Promise<AdminConnection> | undefined;
  const call = async (method: string, path: string, body?: unknown) => {
    connection ??= resolveConnection({ url: values.url, masterKeyFile: values['master-key-file'] }, env, cwd);
    return JSON.parse((await callAdmin(await connection, method, path, body)).text) as Record<string, unknown>;
  };
  const print = (answer: Record<string, unknown>, human: () => string) => {
    process.stdout.write(values.json ? `${terminalJson(answer)}\n` : human());
    return 0;
  };
  const keyPath = () => `/keys/${encodeURIComponent(requireId(action, id))}`;

  switch (action) {
    case 'create': {
      // `keys create billing --name prod` made a key named prod, 'billing' dropped without a word.
      if (id !== undefined && values.name !== undefined) throw new CliError(`give the name as --name or as an argument, not both (got ${quoteInput(id)} and --name ${quoteInput(values.name)})`, 2);
      const body = keyBodyFromFlags({ ...values, name: values.name ?? id });
      if (body['name'] === undefined) throw new CliError('keys create needs --name', 2);
      const answer = await call('POST', '/keys', body);
      return print(answer, () => describeSecret('Created', answer));
    }
    case 'list': {
      if (id !== undefined) throw new CliError(`unexpected argument ${quoteInput(id)}`, 2);
      const answer = await call('GET', `/keys${listQuery(values)}`);
      return print(answer, () => describeList(answer as { data: KeyRecord[]; next_cursor: string | null }, listFilterFlags(values)));
    }
    case 'show':
      return printKey(await call('GET', keyPath()));
    case 'update': {
      const target = keyPath();
      const body = keyBodyFromFlags(values);
      if (Object.keys(body).length === 0) throw new CliError('keys update: give at least one field to change (see --help)', 2);
      return printKey(await call('PATCH', target, body));
    }
    case 'revoke':
      return printKey(await call('POST', `${keyPath()}/revoke`));
    case 'rotate': {
      const grace = values.grace === undefined ? {} : { grace_period: /^\d+$/.test(values.grace) ? Number(values.grace) : values.grace };
      const answer = await call('POST', `${keyPath()}/rotate`, grace);
      return print(answer, () => describeSecret('Rotated', answer, values.grace));
    }
    case 'audit': {
      const answer = await call('GET', `${keyPath()}/audit${listQuery(values)}`);
      return print(answer, () => describeAudit(answer as { data: AuditRecord[]; next_cursor: string | null }));
    }
    default:
      throw new CliError(`unknown keys command ${quoteInput(action)}`, 2, keysUsage);
  }

  function printKey(answer: Record<string, unknown>): number {
    return print(answer, () => describeKey(answer['key'] as KeyRecord));
  }
}

function requireId(action: string, id: string | undefined): string {
  if (!id) throw new CliError(`keys ${action} needs a key id (see switchyard keys list)`, 2);
  // A URL reads them (and %2E) as a step in its path: `keys show .` asked GET /admin/keys/, the key list,
  // and failed on it with a TypeError (--json printed the list as the key); `keys audit .` named the key 'audit'.
  if (id === '.' || id === '..') throw new CliError(`keys ${action}: ${quoteInput(id)} is not a key id (see switchyard keys list)`, 2);
  return id;
}

function listQuery(values: { team?: string; project?: string; tag?: string[]; limit?: string; cursor?: string; 'include-revoked'?: boolean }): string {
  const query = new URLSearchParams();
  for (const name of ['team', 'project', 'limit', 'cursor'] as const) if (values[name] !== undefined) query.set(name, values[name]);
  if (values.tag !== undefined) {
    if (values.tag.length > 1) throw new CliError('keys list filters on one --tag', 2);
    query.set('tag', values.tag[0]!);
  }
  if (values['include-revoked']) query.set('include_revoked', 'true');
  const text = query.toString();
  return text ? `?${text}` : '';
}

function describeSecret(verb: string, answer: Record<string, unknown>, grace?: string): string {
  const key = answer['key'] as KeyRecord;
  const oldSecret = verb === 'Rotated' ? `\nThe previous secret ${describeGrace(grace)}.` : '';
  return `${verb} key ${key.id} (${escapeControlCharacters(key.name)}). Its secret, shown only this once:\n\n  ${String(answer['secret'])}\n${oldSecret}\n`;
}

/**
 * What a rotation's `--grace` left the previous secret: `0` (or `0s`, `0m`) ends it at once, as
 * no grace does; a bare number is seconds. The gateway took the grace, so it is a duration: one
 * without a digit above zero is none.
 */
function describeGrace(grace: string | undefined): string {
  if (grace === undefined || !/[1-9]/.test(grace)) return 'no longer works';
  return `keeps working for ${/^\d+$/.test(grace) ? `${grace}s` : grace}`;
}

/**
 * The flags that chose a list's keys, as the next page's command repeats them: a cursor marks
 * a place only, so `--cursor` alone after `keys list --team red` went on through every team's keys.
 */
function listFilterFlags(values: { team?: string; project?: string; tag?: string[]; limit?: string; 'include-revoked'?: boolean }): string {
  const flags: string[] = [];
  // `--team=-x`: a value that begins with - is otherwise read as a flag of its own.
  const flag = (name: string, value: string) => flags.push(`--${name}${value.startsWith('-') ? '=' : ' '}${shellWord(value)}`);
  for (const name of ['team', 'project', 'limit'] as const) if (values[name] !== undefined) flag(name, values[name]);
  if (values.tag?.[0] !== undefined) flag('tag', values.tag[0]);
  if (values['include-revoked']) flags.push('--include-revoked');
  return flags.map((flag) => `${flag} `).join('');
}

/** A word as a shell reads it back: bare when it holds nothing a shell would act on, else in single quotes. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function describeList(answer: { data: KeyRecord[]; next_cursor: string | null }, filterFlags: string): string {
  const rows = answer.data.map((key) => [
    key.id,
    key.name,
    key.team ?? '-',
    key.project ?? '-',
    key.secret_prefixes.join(' ') || '-',
    key.status,
    spentOf(key),
    key.scope.budget ? `$${key.scope.budget.limit_usd}/${key.scope.budget.period}` : '-',
    key.expires_at ?? '-',
  ]);
  const more = answer.next_cursor ? `\nMore keys: ${escapeControlCharacters(`${filterFlags}--cursor ${answer.next_cursor}`)}\n` : '';
  if (rows.length === 0) return 'No keys.\n';
  return formatTable(['ID', 'NAME', 'TEAM', 'PROJECT', 'PREFIX', 'STATUS', 'SPENT', 'BUDGET', 'EXPIRES'], rows) + more;
}

/**
 * Spend in the budget's current window, to the micro-dollar as `usage` shows it, and how much of
 * the budget that is; a $0 budget has no share to show (spend / 0), it allows no spend.
 */
function spentOf(key: KeyRecord): string {
  const spent = key.budget_spent_usd;
  const limit = key.scope.budget?.limit_usd;
  if (typeof spent !== 'number' || !Number.isFinite(spent)) return '-';
  if (limit === undefined) return formatUsd(spent);
  const share = limit > 0 ? `${Math.round((spent / limit) * 100)}%` : 'no spend allowed';
  return `${formatUsd(spent)} (${share})`;
}

function describeKey(key: KeyRecord): string {
  const scope = key.scope;
  const lines: Array<[string, string | number | undefined | null]> = [
    ['id', key.id],
    ['name', key.name],
    ['status', key.status],
    ['team', key.team],
    ['project', key.project],
    ['user', key.user],
    ['tags', key.tags.join(', ')],
    ['secret prefixes', key.secret_prefixes.join(', ')],
    ['models', scope.models?.join(', ')],
    ['endpoints', scope.endpoints?.join(', ')],
    ['max tokens', scope.max_tokens],
    ['budget', scope.budget && `$${scope.budget.limit_usd} ${scope.budget.period}${scope.budget.alert_threshold ? `, alert at ${percent(scope.budget.alert_threshold)}%` : ''}`],
    ['rpm', scope.rpm],
    ['tpm', scope.tpm],
    ['expires', key.expires_at],
    ['created', key.created_at],
    ['updated', key.updated_at],
    ['revoked', key.revoked_at],
  ];
  return formatTable(['FIELD', 'VALUE'], lines.filter(([, value]) => value !== undefined && value !== null && value !== '').map(([field, value]) => [field, String(value)]));
}

function describeAudit(answer: { data: AuditRecord[]; next_cursor: string | null }): string {
  if (answer.data.length === 0) return 'No audit entries.\n';
  const more = answer.next_cursor ? `\nMore entries: --cursor ${escapeControlCharacters(answer.next_cursor)}\n` : '';
  return formatTable(['AT', 'ACTION', 'ACTOR', 'DETAILS'], answer.data.map((entry) => [entry.at, entry.action, entry.actor, JSON.stringify(entry.details)])) + more;
}

/** A fraction as a percentage without float noise: 0.07 is 7, not 7.000000000000001. */
function percent(fraction: number): number {
  return Number((fraction * 100).toPrecision(12));
}
