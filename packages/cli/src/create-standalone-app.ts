import { errorHandler, hotRoutesAhead, type Gateway, type Logger } from '@switchyard/core';
import { createDashboardRouter, type LoginLimiter, type SessionSharing } from '@switchyard/dashboard';
import { createAdminRouter, createSelfRouter, keyChangeChannelOf } from '@switchyard/policy-keys';
import express, { type Express, type RequestHandler } from 'express';

/**
 * The standalone server's app: when the gateway has storage, the admin API under
 * /admin (master key only), a key holder's own view at /v1/me (that key only, counted
 * against its request limits like a model call) and the
 * dashboard at /dashboard (unless `dashboard.enabled: false`); the gateway's own
 * routes for everything else. The model calls go to the gateway first, before the
 * app walks its layers: none of those paths is under /admin, /v1/me or /dashboard.
 * `options.metrics` serves `GET /metrics` instead of the gateway's own, `options.dashboardSessions`
 * shares the dashboard's sessions and `options.loginThrottle` its failed-login count (a cluster
 * worker's, with its siblings).
 */
export function createStandaloneApp(
  gateway: Gateway,
  masterKey: string,
  logger: Logger,
  options: { metrics?: RequestHandler | undefined; dashboardSessions?: SessionSharing | undefined; loginThrottle?: LoginLimiter | undefined } = {},
): Express {
  const app = express();
  app.disable('x-powered-by');
  // Where the dashboard's login throttle reads the client's address (req.ip): behind N proxies, N hops into X-Forwarded-For.
  const proxies = gateway.runtime.config.server.trust_proxy;
  if (proxies > 0) app.set('trust proxy', proxies);
  // The gateway's router is mounted at the root, last, as hotRoutesAhead (and hotRoutesBeforeApp, in front of this app) require.
  const modelCalls = hotRoutesAhead(gateway.router);
  if (modelCalls) app.use(modelCalls);
  const storage = gateway.runtime.storage;
  if (storage) {
    // The channel the auth step listens on (or the storage's own), so a change made here reaches every instance at once.
    const keyChanges = keyChangeChannelOf(gateway.runtime) ?? storage.keyChanges;
    const stores = { keys: storage.keys, ledger: storage.ledger, budgets: storage.budgets, logger };
    app.use('/admin', createAdminRouter({ ...stores, masterKey, ...(keyChanges && { keyChanges }) }));
    // Behind the chain's auth and rate limit: each view reads the ledger three times, so it counts as a request.
    app.use('/v1/me', gateway.guard(createSelfRouter({ ...stores, masterKey })));
    const dashboard = gateway.runtime.config.dashboard;
    if (dashboard.enabled) {
      app.use(
        '/dashboard',
        createDashboardRouter({
          ...stores,
          masterKey,
          sessions: { ttlMs: dashboard.session_ttl_ms, maxLifetimeMs: dashboard.session_max_lifetime_ms, maxSessions: dashboard.max_sessions, maxSessionsPerKey: dashboard.max_sessions_per_key },
          ...(keyChanges && { keyChanges }),
          ...(options.dashboardSessions && { sharedSessions: options.dashboardSessions }),
          ...(options.loginThrottle && { sharedLoginThrottle: options.loginThrottle }),
        }),
      );
    }
  }
  // A cluster worker's /metrics: every worker's series, not only this one's.
  if (options.metrics) app.get('/metrics', options.metrics);
  app.use(gateway.router);
  // An error from a layer before the gateway's router skips that router (a mounted router is
  // not an error handler): answered here as JSON, never by Express's default page with its stack.
  app.use(errorHandler({ logger }));
  return app;
}
