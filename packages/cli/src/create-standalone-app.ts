import type { Gateway, Logger } from '@switchyard/core';
import { createAdminRouter, keyChangeChannelOf } from '@switchyard/policy-keys';
import express, { type Express } from 'express';

/**
 * The standalone server's app: the admin API under /admin (master key only) when
 * the gateway has storage, and the gateway's own routes for everything else.
 */
export function createStandaloneApp(gateway: Gateway, masterKey: string, logger: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  const storage = gateway.runtime.storage;
  if (storage) {
    // The channel the auth step listens on (or the storage's own), so a change made here reaches every instance at once.
    const keyChanges = keyChangeChannelOf(gateway.runtime) ?? storage.keyChanges;
    app.use('/admin', createAdminRouter({ keys: storage.keys, ledger: storage.ledger, budgets: storage.budgets, masterKey, logger, ...(keyChanges && { keyChanges }) }));
  }
  app.use(gateway.router);
  return app;
}
