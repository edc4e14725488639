import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorHandler, GatewayError, refuseMethod, toGatewayError, unknownEndpoint } from '@switchyard/core';
import { createAdminRouter, createSelfRouter, findUsableKey, findUsableKeyByDigest, hashApiKey, keyMatcher } from '@switchyard/policy-keys';
import express, { type Request, type RequestHandler, type Router } from 'express';
import type { DashboardOptions } from './dashboard-options.js';
import { defaultMaxLoginFailures, LoginThrottle } from './login-throttle.js';
import { readSessionCookie, sessionCookie } from './read-session-cookie.js';
import { securityHeaders } from './security-headers.js';
import { isSessionId, SessionStore, type DashboardSession } from './session-store.js';
import { TokenBuckets } from './token-buckets.js';

const publicDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../public');
const uplotDirectory = path.join(path.dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

/** The paths (under the dashboard's mount) of the files it serves, read once: their other methods are answered 405. */
const staticPaths = new Set([...filesUnder(publicDirectory, '/'), ...filesUnder(uplotDirectory, '/vendor/uplot/')]);

function filesUnder(directory: string, prefix: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => prefix + path.relative(directory, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}

/** The header every API call of the page sends: a cross-site form or image cannot set it. */
export const dashboardHeader = 'x-switchyard-dashboard';

const maxKeyLength = 512;

/**
 * Self views (`GET /api/me`, three ledger reads each) a virtual key's dashboard sessions may
 * read at once, and again per minute. Not the key's own limits (docs/dashboard.md says why),
 * but a bound: a person clicking never gets near it, a script polling with a session does.
 */
export const selfViewsPerMinute = 30;
/** The longest query string the `/dashboard` → `/dashboard/` redirect carries over. */
const maxRedirectQuery = 2048;

/**
 * The usage dashboard: a static page (HTML, CSS, ES modules and uPlot, all served
 * from here: no CDN) and `/api/…`, which serves the admin API to a master-key session
 * and the self view to a virtual-key session. Mount it at `/dashboard`.
 *
 * A login exchanges a key for a random session id in an HttpOnly, SameSite=Strict
 * cookie; the key stays in the browser only for the moment of login. Every API call
 * must carry `x-switchyard-dashboard: 1` (CSRF), and a session of a virtual key is
 * checked against the store on each call, so revoking the key ends the session.
 */
export function createDashboardRouter(options: DashboardOptions): Router {
  if (!options.masterKey) throw new Error('createDashboardRouter: a master key is required');
  const now = options.now ?? (() => new Date());
  const sessions = new SessionStore({ ...options.sessions, now: () => now().getTime() });
  // Sibling processes' logins, uses and logouts, applied here as if made here.
  const shared = options.sharedSessions;
  shared?.subscribe((change) => {
    if (change.type === 'created') sessions.create(change.session, change.id);
    else if (change.type === 'used') sessions.get(change.id);
    else sessions.delete(change.id);
  });
  const endSession = async (id: string | undefined) => {
    // The cookie is the client's word: only an id the server could have made goes to the other
    // processes, not 8 KB of anything relayed to every worker on each unauthenticated logout.
    if (!isSessionId(id)) return;
    sessions.delete(id);
    await shared?.publish({ type: 'ended', id });
  };
  // On the dashboard's clock, as the sessions are: a clock set for a test moves both.
  const throttle = options.sharedLoginThrottle ?? new LoginThrottle(options.maxLoginFailuresPerMinute ?? defaultMaxLoginFailures, 60_000, () => now().getTime());
  // Per key, not per session: logging in again (successes are not throttled) gets no fresh bucket.
  const selfViews = new TokenBuckets(selfViewsPerMinute, 60_000, () => now().getTime());
  const isMasterKey = keyMatcher(options.masterKey);
  const healthPath = options.healthPath ?? '/health';
  const storeOptions = {
    keys: options.keys,
    ledger: options.ledger,
    logger: options.logger,
    now,
    ...(options.budgets && { budgets: options.budgets }),
  };
  const adminRouter = createAdminRouter({ ...storeOptions, masterKey: options.masterKey, ...(options.keyChanges && { keyChanges: options.keyChanges }) });
  const sessionOf = (req: Request): { id: string; session: DashboardSession } => {
    const id = readSessionCookie(req);
    const session = sessions.get(id);
    if (!id || !session) throw new GatewayError('session_required', 'Log in to the dashboard first.');
    // Its idle time restarts on the siblings too; nothing waits for that.
    void shared?.publish({ type: 'used', id });
    return { id, session };
  };
  /** The key a virtual key's session was opened with, while it may still be used. */
  const keyOfSession = async (id: string, session: Extract<DashboardSession, { role: 'self' }>, at: Date) => {
    try {
      return await findUsableKeyByDigest(options.keys, session.digest, at);
    } catch (error) {
      // Revoked, disabled, expired or rotated out: the session ends with the key.
      if (toGatewayError(error).status === 401) await endSession(id);
      throw error;
    }
  };
  const selfRouter = createSelfRouter({
    ...storeOptions,
    authenticate: async (req, at) => {
      const { id, session } = sessionOf(req);
      if (session.role !== 'self') throw new GatewayError('invalid_request', 'The self view is for a virtual key; the master key sees every key.');
      // Before the key and the ledger are read: a refused call costs neither.
      const waitMs = selfViews.take(session.keyId);
      if (waitMs > 0) {
        const seconds = Math.max(1, Math.ceil(waitMs / 1000));
        throw new GatewayError('rate_limit_exceeded', `This key's dashboard sessions read their view at most ${selfViewsPerMinute} times a minute; try again in ${seconds}s.`, {
          retryAfterSeconds: seconds,
        });
      }
      return keyOfSession(id, session, at);
    },
  });

  const router = express.Router();
  router.use(securityHeaders());

  // `/dashboard` → `/dashboard/`, so the page's relative URLs resolve under it.
  router.get('/', (req, res, next) => {
    const [pathname, query] = splitUrl(req.originalUrl);
    if (!pathname.endsWith('/')) {
      // The page reads no query; a long one is left out, so the Location header stays one any client can read.
      res.redirect(301, `${pathname}/${query.length <= maxRedirectQuery ? query : ''}`);
      return;
    }
    next();
  });
  // A file it does not have (or a path it refuses: `%E0`, `..%2f`) falls through to the JSON 404; with
  // fallthrough off, send's error reached Express's default page, stack and file paths included.
  router.use('/vendor/uplot', express.static(uplotDirectory, { index: false, fallthrough: true }));
  router.use(express.static(publicDirectory, { index: 'index.html', cacheControl: true, maxAge: 0, fallthrough: true }));
  // The page and its files take GET only: static files pass every other method on, which ended in a 404.
  const refuseStatic = refuseMethod(['GET']);
  router.all('/', refuseStatic);
  router.use((req, res, next) => (staticPaths.has(req.path) ? refuseStatic(req, res) : next()));

  const api = express.Router();
  api.use((req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    if (req.headers[dashboardHeader] !== '1') {
      throw new GatewayError('csrf_rejected', `Dashboard API calls must send "${dashboardHeader}: 1".`);
    }
    if (req.headers['sec-fetch-site'] === 'cross-site') throw new GatewayError('csrf_rejected', 'Dashboard API calls from another site are refused.');
    next();
  });

  /** The session a key opens; a refused key is 401 `invalid_api_key`, whatever the reason. */
  const sessionOfKey = async (key: unknown): Promise<DashboardSession> => {
    if (typeof key !== 'string' || key.length === 0 || key.length > maxKeyLength || !/^\S+$/.test(key)) {
      throw new GatewayError('invalid_request', 'Send {"key": "<your key>"}.', { param: 'key' });
    }
    const digest = hashApiKey(key);
    if (isMasterKey(digest)) return { role: 'admin' };
    try {
      const found = await findUsableKey(options.keys, key, now());
      return { role: 'self', keyId: found.id, digest };
    } catch (error) {
      if (toGatewayError(error).status === 401) {
        // One answer for every refused key: which of them exist is not the page's to tell.
        throw new GatewayError('invalid_api_key', 'That key does not open the dashboard.');
      }
      throw error;
    }
  };

  api.post('/session', refuseDeclaredPast(loginBodyLimitBytes), express.json({ limit: loginBodyLimitBytes, type: () => true }), async (req, res) => {
    // Counted from here until answered, so guesses sent all at once get no more tries.
    const attempt = await throttle.begin(clientAddress(req));
    if (!attempt) throw new GatewayError('too_many_logins', 'Too many failed logins from this address; try again in a minute.');
    let session: DashboardSession;
    let wrongKey = false;
    try {
      session = await sessionOfKey((req.body as { key?: unknown } | undefined)?.key);
    } catch (error) {
      wrongKey = isWrongKey(error);
      throw error;
    } finally {
      attempt.end(wrongKey);
    }
    // A new id on every login: a session id planted before login is never promoted.
    await endSession(readSessionCookie(req));
    const id = sessions.create(session);
    // Told before the answer: the page's next call may reach a sibling process.
    await shared?.publish({ type: 'created', id, session });
    res.setHeader('set-cookie', sessionCookie(id, req.secure));
    res.status(200).json(describeSession(session, healthPath));
  });

  api.get('/session', async (req, res) => {
    const { id, session } = sessionOf(req);
    // A revoked or rotated-out key's session is not described as logged in: it ends here, as on /me.
    if (session.role === 'self') await keyOfSession(id, session, now());
    res.status(200).json(describeSession(session, healthPath));
  });

  api.delete('/session', async (req, res) => {
    await endSession(readSessionCookie(req));
    res.setHeader('set-cookie', sessionCookie(undefined, req.secure));
    res.status(204).end();
  });

  api.all('/session', refuseMethod(['GET', 'POST', 'DELETE']));

  api.use('/admin', requireAdmin(sessionOf), withMasterKey(options.masterKey), adminRouter);
  api.use('/me', selfRouter);
  api.use((req: Request) => {
    throw unknownEndpoint(req, 'dashboard');
  });
  api.use(errorHandler({ logger: options.logger }));

  router.use('/api', api);
  // Whatever else fails in here is answered as JSON too, never by Express's default page.
  router.use(errorHandler({ logger: options.logger }));
  return router;
}

/** A lookup's failure that says the key does not open anything (revoked, unknown…), not that the store failed. */
/** The largest login body read. */
const loginBodyLimitBytes = 4 * 1024;

/**
 * A body declared past `limitBytes` refused at once, unread (the error handler closes the
 * connection): body-parser reads a body it refuses to its end before answering (with
 * `Expect: 100-continue`, inviting it first), so anyone declaring 100 MB to the login was
 * left waiting for the request timeout, or made the gateway read all of it for a 413.
 */
function refuseDeclaredPast(limitBytes: number): RequestHandler {
  return (req, _res, next) => {
    if (Number(req.headers['content-length']) > limitBytes) next(new GatewayError('request_too_large', `The request body is larger than the limit of ${limitBytes} bytes.`));
    else next();
  };
}

function isWrongKey(error: unknown): boolean {
  return toGatewayError(error).status === 401;
}

function describeSession(session: DashboardSession, healthPath: string) {
  return session.role === 'admin' ? { role: 'admin', health_path: healthPath } : { role: 'self', key_id: session.keyId, health_path: healthPath };
}

function requireAdmin(sessionOf: (req: Request) => { session: DashboardSession }): RequestHandler {
  return (req, _res, next) => {
    if (sessionOf(req).session.role !== 'admin') throw new GatewayError('session_required', 'This view needs a master-key session.');
    next();
  };
}

/** The admin API is the one a script calls; a master session calls it as the master key. */
function withMasterKey(masterKey: string): RequestHandler {
  return (req, _res, next) => {
    req.headers.authorization = `Bearer ${masterKey}`;
    delete req.headers['x-api-key'];
    next();
  };
}

function splitUrl(url: string): [string, string] {
  const index = url.indexOf('?');
  return index === -1 ? [url, ''] : [url.slice(0, index), url.slice(index)];
}

/**
 * The address a login counts against: Express's `req.ip`, which follows the app's
 * `trust proxy` setting (the socket's peer unless the app trusts proxies in front of it,
 * as `server.trust_proxy` sets in the standalone server). A forwarded value that is not
 * an IP address is not a bucket of its own: it counts as the socket's peer.
 */
function clientAddress(req: Request): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  const ip = req.ip;
  return ip !== undefined && ip !== peer && isIP(ip) !== 0 ? ip : peer;
}
