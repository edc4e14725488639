import { GatewayError } from '../errors/gateway-error.js';

/** Longest path named back in an error: room for any route, never a client's 16 KB of anything. */
const maxShownPathLength = 200;

/**
 * A request path as an error message names it ("Unknown endpoint GET /v1/…"): the path
 * Express keeps still percent-encoded, cut at {@link maxShownPathLength} characters.
 */
export function shownPath(path: string): string {
  return path.length > maxShownPathLength ? `${path.slice(0, maxShownPathLength)}…` : path;
}

/** The 404 of a path no route takes, naming it as far as {@link shownPath} does; `area` as in "Unknown admin endpoint". */
export function unknownEndpoint(req: { method: string; baseUrl: string; path: string }, area?: string): GatewayError {
  return new GatewayError('not_found', `Unknown ${area ? `${area} ` : ''}endpoint ${req.method} ${shownPath(req.baseUrl + req.path)}.`);
}
