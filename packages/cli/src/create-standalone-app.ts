import type { Gateway, Logger } from '@switchyard/core';
import { createAdminRouter } from '@switchyard/policy-keys';
import express, { type Express } from 'express';

/**
 * The standalone server's app: the admin API under /admin (master key only) when
 * the gateway has storage, and the gateway's own routes for everything else.
 */
export function createStandaloneApp(gateway: Gateway, masterKey: string, logger: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  const storage = gateway.runtime.storage;
  if (storage) app.use('/admin', createAdminRouter({ keys: storage.keys, ledger: storage.ledger, budgets: storage.budgets, masterKey, logger }));
  app.use(gateway.router);
  return app;
}
