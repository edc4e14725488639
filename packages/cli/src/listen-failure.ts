import { CliError } from './cli-error.js';
import { showInput } from './terminal-text.js';

/** Why the gateway cannot listen: a cluster worker hands it to its primary (bin.ts), which says it once. */
export class ListenFailure extends CliError {}

/**
 * A listen error a user can fix (the port is taken, not allowed, not this machine's, the host name
 * unknown or not a name at all) as one line naming the host (cut if huge); undefined for any other.
 * A host that is not one (EINVAL: over 255 characters …) or that no resolver knows is a wrong
 * option: exit 2.
 */
export function listenFailure(error: unknown, host: string, port: number): ListenFailure | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'EADDRINUSE'
      ? 'is already in use (is another gateway running?)'
      : code === 'EACCES'
        ? 'is not allowed for this user'
        : code === 'EADDRNOTAVAIL'
          ? 'is not an address of this machine'
          : code === 'EINVAL'
            ? 'is not a valid host name or address (EINVAL)'
            : code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL'
              ? `is a host name that does not resolve (${code})`
              : undefined;
  if (reason === undefined) return undefined;
  return new ListenFailure(`cannot listen on ${showInput(host)}:${port}: the address ${reason}`, code === 'EINVAL' || code === 'ENOTFOUND' ? 2 : 1);
}
