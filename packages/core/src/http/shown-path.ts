/** Longest path named back in an error: room for any route, never a client's 16 KB of anything. */
const maxShownPathLength = 200;

/**
 * A request path as an error message names it ("Unknown endpoint GET /v1/…"): the path
 * Express keeps still percent-encoded, cut at {@link maxShownPathLength} characters.
 */
export function shownPath(path: string): string {
  return path.length > maxShownPathLength ? `${path.slice(0, maxShownPathLength)}…` : path;
}
