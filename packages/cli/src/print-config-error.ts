import { ConfigError } from '@switchyard/core';
import { terminalLine } from './terminal-text.js';

/** Prints a config problem report to stderr: one line per problem (a name from the file written out, as every CLI message), no stack trace. */
export function printConfigError(error: ConfigError, write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  write(`switchyard: the configuration has ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}:`);
  for (const line of error.formatLines()) write(`  ${terminalLine(line)}`);
}

export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}
