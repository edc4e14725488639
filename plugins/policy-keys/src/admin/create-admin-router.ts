import { checkJsonValue, GatewayError, refuseMethod, unknownEndpoint } from '@switchyard/core';
import express, { type NextFunction, type Request, type Router } from 'express';
import type { AdminRouterOptions } from './admin-context.js';
import { adminErrorHandler } from './admin-error-handler.js';
import { keyRoutes } from './key-routes.js';
import { requestsRoute } from './requests-route.js';
import { requireMasterKey } from './require-master-key.js';
import { usageRoute } from './usage-route.js';

/** Each admin path and the methods its routes define (key-routes.ts, usage-route.ts, requests-route.ts). */
const knownPaths: Array<[string, string[]]> = [
  ['/keys', ['GET', 'POST']],
  ['/keys/:id', ['GET', 'PATCH']],
  ['/keys/:id/revoke', ['POST']],
  ['/keys/:id/rotate', ['POST']],
  ['/keys/:id/audit', ['GET']],
  ['/usage', ['GET']],
  ['/requests', ['GET']],
];
/** The routes that read a JSON body (key-routes.ts); every other request's body is left unread. */
const bodyRoutes = { post: ['/keys', '/keys/:id/rotate'], patch: ['/keys/:id'] };
/** The largest admin body read. */
const bodyLimitBytes = 64 * 1024;

/**
 * A body declared past the limit is refused at once, unread (the connection then closes), as the
 * model routes refuse theirs: body-parser reads a body it refuses to its end before answering
 * (with `Expect: 100-continue`, inviting it first), so a client declaring 100 MB waited for the
 * request timeout or sent all of it for a 413.
 */
function refuseDeclaredTooLarge(req: Request, _res: unknown, next: NextFunction): void {
  if (Number(req.headers['content-length']) > bodyLimitBytes) {
    next(new GatewayError('request_too_large', `The request body is larger than the limit of ${bodyLimitBytes} bytes.`));
    return;
  }
  next();
}

/**
 * The admin API: virtual keys and usage reports, for the master key only. Mount it
 * where it should be served (`app.use('/admin', createAdminRouter(…))`). Answers
 * and errors are JSON in OpenAI's error shape; a new or rotated key's secret is in
 * exactly one answer and nowhere else (not the store, the audit log or the logs).
 */
export function createAdminRouter(options: AdminRouterOptions): Router {
  if (!options.masterKey) throw new Error('createAdminRouter: a master key is required');
  const context = { ...options, now: options.now ?? (() => new Date()) };
  const router = express.Router();
  // Nothing of an unauthenticated request is read, its body included.
  router.use(requireMasterKey(options.masterKey));
  // Only the routes that take a body read one: a stray body on a listing, an unknown path or a wrong
  // method is not what makes it fail. Any content type is read as JSON, so a client that forgets the
  // header still gets a clear answer; deep nesting and numbers such as 1e309 (Infinity once parsed)
  // are refused before the route reads them.
  const maxDepth = options.maxJsonDepth ?? 64;
  const readBody = [
    refuseDeclaredTooLarge,
    express.json({ limit: bodyLimitBytes, type: () => true }),
    (req: Request, _res: unknown, next: () => void) => {
      checkJsonValue(req.body, { maxDepth });
      next();
    },
  ];
  router.post(bodyRoutes.post, readBody);
  router.patch(bodyRoutes.patch, readBody);
  // Before the routes: each route's own router would answer OPTIONS itself (200 text/plain "GET, HEAD, POST").
  for (const [path, methods] of knownPaths) router.options(path, refuseMethod(methods));
  router.use(keyRoutes(context));
  router.use(usageRoute(context));
  router.use(requestsRoute(context));
  for (const [path, methods] of knownPaths) router.all(path, refuseMethod(methods));
  router.use((req: Request) => {
    throw unknownEndpoint(req, 'admin');
  });
  router.use(adminErrorHandler(options.logger));
  return router;
}
