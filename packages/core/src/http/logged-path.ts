/** Longest request path a log line holds: any route and most of a hostile one, never Node's 16 KiB header. */
export const maxLoggedPathLength = 1024;

/**
 * A client's request path as a log line holds it: whole up to {@link maxLoggedPathLength}
 * characters, else its start and how much was cut, so one request cannot write 16 KiB
 * into every log line (and every collector's bill) its failure makes.
 */
export function loggedPath(path: string): string {
  if (path.length <= maxLoggedPathLength) return path;
  return `${path.slice(0, maxLoggedPathLength)}…[${path.length - maxLoggedPathLength} more characters]`;
}
