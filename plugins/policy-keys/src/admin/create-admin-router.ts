import { checkJsonValue, GatewayError, shownPath, unknownEndpoint } from '@switchyard/core';
import express, { type Request, type Router } from 'express';
import type { AdminRouterOptions } from './admin-context.js';
import { adminErrorHandler } from './admin-error-handler.js';
import { keyRoutes } from './key-routes.js';
import { requestsRoute } from './requests-route.js';
import { requireMasterKey } from './require-master-key.js';
import { usageRoute } from './usage-route.js';

const knownPaths = ['/keys', '/keys/:id', '/keys/:id/revoke', '/keys/:id/rotate', '/keys/:id/audit', '/usage', '/requests'];

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
  // Any content type is read as JSON, so a client that forgets the header still gets a clear answer.
  router.use(express.json({ limit: '64kb', type: () => true }));
  // Deep nesting and numbers such as 1e309 (Infinity once parsed) are refused before any route reads them.
  const maxDepth = options.maxJsonDepth ?? 64;
  router.use((req, _res, next) => {
    checkJsonValue(req.body, { maxDepth });
    next();
  });
  router.use(keyRoutes(context));
  router.use(usageRoute(context));
  router.use(requestsRoute(context));
  for (const path of knownPaths) {
    router.all(path, (req) => {
      throw new GatewayError('method_not_allowed', `${req.method} is not allowed on ${shownPath(req.baseUrl + req.path)}.`);
    });
  }
  router.use((req: Request) => {
    throw unknownEndpoint(req, 'admin');
  });
  router.use(adminErrorHandler(options.logger));
  return router;
}
