import { CliError } from './cli-error.js';

/** Why the gateway cannot listen: a cluster worker hands it to its primary (bin.ts), which says it once. */
export class ListenFailure extends CliError {}

/** A listen error a user can fix (the port is taken, not allowed, not this machine's, the host name unknown) as one line; undefined for any other. */
export function listenFailure(error: unknown, host: string, port: number): ListenFailure | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'EADDRINUSE'
      ? 'is already in use (is another gateway running?)'
      : code === 'EACCES'
        ? 'is not allowed for this user'
        : code === 'EADDRNOTAVAIL'
          ? 'is not an address of this machine'
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL'
            ? `is a host name that does not resolve (${code})`
            : undefined;
  return reason === undefined ? undefined : new ListenFailure(`cannot listen on ${host}:${port}: the address ${reason}`);
}
