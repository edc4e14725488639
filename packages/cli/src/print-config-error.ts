import { ConfigError } from '@switchyard/core';

/** Prints a config problem report to stderr: one line per problem, no stack trace. */
export function printConfigError(error: ConfigError, write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  write(`switchyard: the configuration has ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}:`);
  for (const line of error.formatLines()) write(`  ${line}`);
}

export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}
