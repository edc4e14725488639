import { parseArgs } from 'node:util';
import { sumOfCosts } from '@switchyard/core';
import type { UsageRecordRow } from '@switchyard/policy-keys';
import { callAdmin, resolveConnection } from '../admin-client.js';
import { CliError } from '../cli-error.js';
import { formatTable } from '../format-table.js';
import { joinNegativeValues } from '../negative-values.js';
import { escapeControlCharacters, quoteInput, terminalCsv, terminalJson } from '../terminal-text.js';
import { formatUsd } from '../format-usd.js';

export const usageUsage = `Usage: switchyard usage [options]

  --group-by key|team|project|model|provider|day|error_code   (default key)
  --from ISO --to ISO    the window [from, to); default the last 30 days
  --key ID               one key only
  --limit N              at most N groups, the costliest (default 1000, the most the API lists);
                         the rest are summed in one (other) row, and stderr says how many
  --format csv|json      print the API's CSV or JSON instead of a table (--json = --format json)
  --url URL  --master-key-file FILE   as for switchyard keys: the master key from --master-key-file
                                     when given, else SWITCHYARD_MASTER_KEY, else .switchyard/master-key
`;

const options = {
  'group-by': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  key: { type: 'string' },
  limit: { type: 'string' },
  format: { type: 'string' },
  json: { type: 'boolean' },
  url: { type: 'string' },
  'master-key-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Where a command prints: a terminal gets control characters written out, a file or pipe the text as it is. */
export interface CommandOutput {
  write(text: string): void;
  /** A note beside the output (stderr), so a CSV or JSON written to a file stays the API's. */
  notice?(text: string): void;
  isTTY: boolean;
}

const standardOutput: CommandOutput = {
  write: (text) => void process.stdout.write(text),
  notice: (text) => void process.stderr.write(text),
  isTTY: process.stdout.isTTY === true,
};

/** The most groups `/admin/usage` lists (usageGroupLimit.max): an export asks for all it can have. */
const maxGroups = 1000;

/** `switchyard usage`: spend and tokens from the running gateway's ledger. */
export async function usageCommand(args: string[], env: Record<string, string | undefined>, cwd: string, output: CommandOutput = standardOutput): Promise<number> {
  const { values, positionals } = parseArgs({ args: joinNegativeValues(args, options), options, allowPositionals: true });
  if (values.help) {
    output.write(usageUsage);
    return 0;
  }
  if (positionals.length > 0) throw new CliError(`unexpected argument ${quoteInput(positionals[0]!)}`, 2);
  // `--json --format csv` printed JSON without a word.
  if (values.json && values.format !== undefined && values.format !== 'json') throw new CliError(`give --json or --format ${quoteInput(values.format)}, not both`, 2);
  const format = values.json ? 'json' : values.format;
  if (format !== undefined && format !== 'csv' && format !== 'json') throw new CliError(`--format must be csv or json, got ${quoteInput(format)}`, 2);
  const limit = values.limit ?? String(maxGroups);
  if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > maxGroups) throw new CliError(`--limit must be an integer from 1 to ${maxGroups}, got ${quoteInput(limit)}`, 2);

  const query = new URLSearchParams();
  if (values['group-by'] !== undefined) query.set('group_by', values['group-by']);
  if (values.from !== undefined) query.set('from', values.from);
  if (values.to !== undefined) query.set('to', values.to);
  if (values.key !== undefined) query.set('key_id', values.key);
  query.set('limit', limit);
  if (format === 'csv') query.set('format', 'csv');

  const connection = await resolveConnection({ url: values.url, masterKeyFile: values['master-key-file'] }, env, cwd);
  const answer = await callAdmin(connection, 'GET', `/usage?${query.toString()}`);
  if (format === 'csv') {
    // Cells hold names others chose: in a terminal an ESC in one would act, not show.
    output.write(output.isTTY ? terminalCsv(answer.text) : answer.text);
    noteFolded(output, Number(answer.headers.get('x-switchyard-folded-groups') ?? 0), limit);
    return 0;
  }
  const report = JSON.parse(answer.text) as UsageReport;
  output.write(format === 'json' ? `${terminalJson(report)}\n` : describeUsage(report));
  noteFolded(output, report.folded_groups ?? 0, limit);
  return 0;
}

interface UsageReport {
  group_by: string;
  from: string;
  to: string;
  /** Groups past `limit`, summed in the `(other)` row (absent from a gateway older than the limit). */
  folded_groups?: number;
  data: UsageRecordRow[];
}

/** An export with groups folded is not every group: said beside it, not in it. */
function noteFolded(output: CommandOutput, folded: number, limit: string): void {
  if (!(folded > 0)) return;
  const groups = folded === 1 ? '1 group past the' : `${folded} groups past the`;
  output.notice?.(`switchyard: ${groups} ${limit} costliest ${folded === 1 ? 'is' : 'are'} summed in the (other) row; narrow --from/--to or --key to list them.\n`);
}

function describeUsage(report: UsageReport): string {
  const window = escapeControlCharacters(`Usage by ${report.group_by}, ${report.from} to ${report.to}`) + '\n\n';
  if (report.data.length === 0) return `${window}No requests.\n`;
  const rows = report.data.map((row) => [
    row.folded_groups === undefined ? row.group : `(other: ${row.folded_groups} ${row.folded_groups === 1 ? 'group' : 'groups'})`,
    String(row.requests),
    String(row.input_tokens),
    String(row.output_tokens),
    formatUsd(row.cost_usd),
    String(row.errors),
    estimatedCell(row.estimated_requests, row.estimated_cost_usd),
  ]);
  const total = (pick: (row: UsageRecordRow) => number) => report.data.reduce((sum, row) => sum + pick(row), 0);
  rows.push([
    'TOTAL',
    String(total((row) => row.requests)),
    String(total((row) => row.input_tokens)),
    String(total((row) => row.output_tokens)),
    formatUsd(sumOfCosts(total((row) => row.cost_usd))),
    String(total((row) => row.errors)),
    estimatedCell(total((row) => row.estimated_requests), sumOfCosts(total((row) => row.estimated_cost_usd))),
  ]);
  const table = formatTable([report.group_by.toUpperCase(), 'REQUESTS', 'INPUT TOKENS', 'OUTPUT TOKENS', 'COST', 'ERRORS', 'ESTIMATED'], rows);
  return window + table + (total((row) => row.estimated_requests) > 0 ? estimatedFootnote : '');
}

/** The part of a group's cost that rests on the gateway's estimates, and on how many requests; `-` for none. */
function estimatedCell(requests: number, costUsd: number): string {
  return requests > 0 ? `${formatUsd(costUsd)} (${requests} req)` : '-';
}

const estimatedFootnote =
  "\nESTIMATED: the part of COST billed on the gateway's estimate of the tokens, where the provider reported no usage\n" +
  '(a client gone before the answer, an attempt given up, a stream cut before its usage); included in COST.\n';

