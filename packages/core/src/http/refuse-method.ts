import type { Request, Response } from 'express';
import { GatewayError } from '../errors/gateway-error.js';
import { shownPath } from './shown-path.js';

/**
 * The handler for a path's other methods: 405 `method_not_allowed` with `Allow` naming the
 * methods the path defines (HEAD with GET, as Express answers it), as RFC 9110 asks of a 405.
 * `shown` is how the message names the path (`/v1/models/{model}`); by default the request's own.
 * Throws, so the route's error handler answers in its dialect's envelope.
 */
export function refuseMethod(allowed: readonly string[], shown?: string): (req: Request, res: Response) => never {
  const methods = allowed.map((method) => method.toUpperCase());
  if (methods.includes('GET') && !methods.includes('HEAD')) methods.splice(methods.indexOf('GET') + 1, 0, 'HEAD');
  const allow = methods.join(', ');
  return (req, res) => {
    res.setHeader('allow', allow);
    throw new GatewayError('method_not_allowed', `${req.method} is not allowed on ${shown ?? shownPath(req.baseUrl + req.path)}.`);
  };
}
