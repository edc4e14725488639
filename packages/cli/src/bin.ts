#!/usr/bin/env node
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { redactSecrets } from '@switchyard/core/redact-secrets';
import { CliError } from './cli-error.js';
import { joinNegativeValues } from './negative-values.js';
import { quoteInput, showInput, terminalLine } from './terminal-text.js';

// Each command is imported when it runs: `keys` and `usage` are thin HTTP clients
// and need not load the gateway, its plugins and their dependencies first.

const usage = `Usage: switchyard <command> [options]

Commands:
  start       serve the gateway           [--config FILE] [--port N] [--host ADDR] [--workers N|auto]
              (--workers: auto = one per core; N at most 4 per core, and 256)
  validate    check a config file only    [--config FILE]
  keys        manage virtual keys on a running gateway:
              create | list | show | update | revoke | rotate | audit   (switchyard keys --help)
  usage       spend and tokens by key, team, project, model, provider, day or error code
              [--group-by G] [--from ISO] [--to ISO] [--key ID] [--limit N] [--format csv|json]   (switchyard usage --help)

Without --config, switchyard.config.yaml (and the usual variants) is looked for
in the current folder; without one, the built-in defaults serve the mock provider.

keys and usage talk to the admin API of a running gateway: --url (or SWITCHYARD_URL,
default http://127.0.0.1:4000), with the master key from --master-key-file when given,
else SWITCHYARD_MASTER_KEY, else .switchyard/master-key. --json prints the raw answer.

Short forms: -c (--config), -p (--port), -w (--workers), -h (--help).
`;

async function main(argv: string[]): Promise<number> {
  // The admin clients have flags of their own.
  if (argv[0] === 'keys') return (await import('./commands/keys.js')).keysCommand(argv.slice(1), process.env, process.cwd());
  if (argv[0] === 'usage') return (await import('./commands/usage.js')).usageCommand(argv.slice(1), process.env, process.cwd());
  const options = {
    config: { type: 'string', short: 'c' },
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    workers: { type: 'string', short: 'w' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const { values, positionals } = parseArgs({ args: joinNegativeValues(argv, options), allowPositionals: true, options });
  const command = positionals[0];
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  // A wrong command line, as `switchyard keys` without an action is: it printed the usage to stdout, exit 1.
  if (!command) throw new CliError('a command is needed: start, validate, keys or usage', 2, usage);
  if (command !== 'start' && command !== 'validate') throw new CliError(`unknown command ${quoteInput(command)}`, 2, usage);
  // `switchyard validate --port 99999` checked the file and said "valid": the flag was never looked at.
  const stray = command === 'validate' ? (['port', 'host', 'workers'] as const).find((flag) => values[flag] !== undefined) : undefined;
  if (stray !== undefined) {
    throw new CliError(`validate takes no --${stray}: it is an option of start (validate checks the config file, server.${stray} in it included)`, 2);
  }
  // Empty (`--config "$CONFIG"` with CONFIG unset) looked for a file and served the built-in defaults in its place.
  if (values.config !== undefined && values.config.trim() === '') throw new CliError(`--config must name a config file, got ${quoteInput(values.config)}`, 2);
  const extra = positionals[1];
  if (extra !== undefined) {
    // `switchyard validate my.yaml` once checked the built-in defaults and said "valid".
    const hint = /\.(ya?ml|json|[cm]?js)$/i.test(extra) ? ` (a config file is named with --config ${showInput(extra)})` : '';
    throw new CliError(`unexpected argument ${quoteInput(extra)}${hint}`, 2);
  }
  switch (command) {
    case 'start': {
      // Digits only: Number() would also take '', ' 80', '0x10' and '1e3'.
      const port = values.port === undefined ? undefined : /^\d{1,5}$/.test(values.port) ? Number(values.port) : Number.NaN;
      if (port !== undefined && !(port >= 0 && port <= 65535)) throw new CliError(`--port must be an integer from 0 to 65535, got ${quoteInput(values.port!)}`, 2);
      // Empty (`--host "$HOST"` with HOST unset) would bind every interface.
      if (values.host !== undefined && values.host.trim() === '') throw new CliError(`--host must name an address or a host, got ${quoteInput(values.host)}`, 2);
      const { startCommand } = await import('./commands/start.js');
      return startCommand({
        ...(values.config !== undefined && { config: values.config }),
        ...(port !== undefined && { port }),
        ...(values.host !== undefined && { host: values.host }),
        ...(values.workers !== undefined && { workers: values.workers }),
      });
    }
    case 'validate': {
      const { validateCommand } = await import('./commands/validate.js');
      return validateCommand({ ...(values.config !== undefined && { config: values.config }) });
    }
  }
}

/** One line to stderr, escaped and bounded (terminalLine), then a usage text as it is. */
function printLine(message: string, after?: string): void {
  process.stderr.write(`switchyard: ${terminalLine(message)}\n${after === undefined ? '' : `\n${after}`}`);
}

/**
 * The one line saying why the gateway could not start. A cluster worker tells its primary instead,
 * which says it once for all its workers (the port taken) and for every replacement failing alike
 * (the SQLite file gone), with how many attempts failed.
 */
async function sayWhyNotStarted(line: string, exitCode: number): Promise<void> {
  process.exitCode = exitCode;
  if (cluster.isWorker) {
    const { tellPrimaryWhyNotStarted } = await import('./cluster/worker-start-failure.js');
    if (await tellPrimaryWhyNotStarted(line)) return;
  }
  printLine(line);
}

// The event loop emptied while the command still waited on a promise nothing settles (a JavaScript
// config's top-level await, a plugin's start): Node exited 0 without a word, `start` too, unserved.
let finished = false;
process.once('beforeExit', () => {
  if (finished) return;
  printLine(`${process.argv[2] ?? 'switchyard'} stopped unfinished: it waited on something that will never finish (a promise of a JavaScript config or a plugin that nothing settles)`);
  process.exitCode = 1;
});

main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    async (error: unknown) => {
      if (error instanceof CliError) {
        const { ListenFailure } = await import('./listen-failure.js');
        if (error instanceof ListenFailure) return sayWhyNotStarted(error.message, error.exitCode);
        printLine(error.message, error.usage);
        process.exitCode = error.exitCode;
        return;
      }
      const { isConfigError, printConfigError } = await import('./print-config-error.js');
      if (isConfigError(error)) {
        printConfigError(error);
        process.exitCode = 1;
        return;
      }
      const code = (error as { code?: unknown }).code;
      // Not every error's code is a string: a DOMException's is a number.
      if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
        const command = process.argv[2];
        const [help, commandUsage] =
          command === 'keys'
            ? ['switchyard keys --help', (await import('./commands/keys.js')).keysUsage]
            : command === 'usage'
              ? ['switchyard usage --help', (await import('./commands/usage.js')).usageUsage]
              : ['switchyard --help', usage];
        // Node's words for an unknown option advise on positional arguments that start with
        // '-', which no command here takes; its other words ("argument missing") stand.
        const unknown = /^Unknown option '([\s\S]*)'\. To specify a positional argument/.exec((error as Error).message);
        // `--host -x`: Node's three lines ("argument is ambiguous.\nDid you forget …") as one.
        const ambiguous = /^Option '([^']*)' argument is ambiguous\.[\s\S]*use (.*)\.$/.exec((error as Error).message);
        printLine(
          unknown
            ? `unknown option ${quoteInput(unknown[1]!)} (see ${help})`
            : ambiguous
              ? `option ${quoteInput(ambiguous[1]!)} needs a value (one starting with '-' is written ${ambiguous[2]})`
              : (error as Error).message,
          commandUsage,
        );
        process.exitCode = 2;
        return;
      }
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        printLine(`${(error as Error).message}: is another gateway already running?`);
        process.exitCode = 1;
        return;
      }
      if ((error as { code?: unknown }).code === 'storage_refused') {
        // The database's answer (a login refused, a database missing): its words, secrets redacted, no stack.
        return sayWhyNotStarted(`could not start: ${(error as Error).message}`, 1);
      }
      if ((error as { code?: unknown }).code === 'store_unavailable') {
        // An outage, not a bug: what failed, without a stack. The cause is a driver's or the
        // system's words (ECONNREFUSED …), which name a host and never a password.
        const cause = (error as { cause?: unknown }).cause;
        const reason = cause instanceof Error ? `: ${cause.message.split('\n')[0]}` : '';
        return sayWhyNotStarted(`could not start: the storage cannot be reached${reason}`, 1);
      }
      // A failure no one foresaw (a plugin's own, at start) keeps its stack for whoever fixes it, but
      // its message may quote what the plugin was given: a key, a URL with its password.
      process.stderr.write(`switchyard: ${redactSecrets((error as Error).stack ?? String(error))}\n`);
      process.exitCode = 1;
    },
  )
  .finally(() => {
    finished = true;
    // A cluster worker (`start --workers N`) is done, stopped or failed to start: its IPC
    // channel to the primary would keep it alive. (Its "primary gone" listener goes first.)
    if (cluster.isWorker) {
      process.removeAllListeners('disconnect');
      // Already closed when the primary is gone.
      if (process.connected) process.disconnect?.();
    }
  });
