#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startCommand } from './commands/start.js';
import { validateCommand } from './commands/validate.js';
import { isConfigError, printConfigError } from './print-config-error.js';

const usage = `Usage: switchyard <command> [options]

Commands:
  start       serve the gateway           [--config FILE] [--port N] [--host ADDR]
  validate    check a config file only    [--config FILE]

Without --config, switchyard.config.yaml (and the usual variants) is looked for
in the current folder; without one, the built-in defaults serve the mock provider.
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(usage);
    return command || values.help ? 0 : 1;
  }
  switch (command) {
    case 'start': {
      const port = values.port === undefined ? undefined : Number(values.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
        process.stderr.write(`switchyard: --port must be an integer from 0 to 65535, got '${values.port}'\n`);
        return 2;
      }
      return startCommand({
        ...(values.config !== undefined && { config: values.config }),
        ...(port !== undefined && { port }),
        ...(values.host !== undefined && { host: values.host }),
      });
    }
    case 'validate':
      return validateCommand({ ...(values.config !== undefined && { config: values.config }) });
    default:
      process.stderr.write(`switchyard: unknown command '${command}'\n\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (isConfigError(error)) {
      printConfigError(error);
      process.exitCode = 1;
      return;
    }
    if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`switchyard: ${(error as Error).message}\n\n${usage}`);
      process.exitCode = 2;
      return;
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`switchyard: ${(error as Error).message}: is another gateway already running?\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`switchyard: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
