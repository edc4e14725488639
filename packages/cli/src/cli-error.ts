/** A failure the user can act on: printed as one line, without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    /** 1 when the work failed, 2 when the command line was wrong. */
    readonly exitCode: 1 | 2 = 1,
    /** Printed as it is after the line (a command's usage); the line itself is written escaped. */
    readonly usage?: string,
  ) {
    super(message);
  }
}
