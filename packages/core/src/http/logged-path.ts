import { SecretRedactor } from '../errors/redact-secrets.js';

/** Longest request path a log line holds: any route and most of a hostile one, never Node's 16 KiB header. */
export const maxLoggedPathLength = 1024;

/** Key-shaped strings only: a log line about a failure has no provider's secrets at hand. */
const redactor = new SecretRedactor();

/**
 * A client's request path as a log line holds it: whole up to {@link maxLoggedPathLength}
 * characters, else its start and how much was cut, so one request cannot write 16 KiB
 * into every log line (and every collector's bill) its failure makes. A key the client
 * pasted where an id or a model goes (`/v1/responses/resp_sk-…`, `;key=AIza…`) is blanked
 * first, so a cut cannot leave a start of one the patterns no longer know.
 */
export function loggedPath(path: string): string {
  const blanked = redactor.redact(path);
  if (blanked.length <= maxLoggedPathLength) return blanked;
  return `${blanked.slice(0, maxLoggedPathLength)}…[${blanked.length - maxLoggedPathLength} more characters]`;
}
