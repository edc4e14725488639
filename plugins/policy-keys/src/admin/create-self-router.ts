import { compileValidator, findContext, GatewayError, refuseMethod, type VirtualKey } from '@switchyard/core';
import express, { type Request, type Router } from 'express';
import type { AdminRouterOptions } from './admin-context.js';
import { adminErrorHandler } from './admin-error-handler.js';
import { selfQuerySchema, type SelfQueryParams } from './admin-schemas.js';
import { checkInput } from './check-input.js';
import { findUsableKeyByDigest } from './find-usable-key.js';
import { readSelfView } from './read-self-view.js';
import { sendJson } from './send-json.js';
import { extractApiKey } from '../extract-api-key.js';
import { hashApiKey, keyMatcher } from '../hash-api-key.js';

/** What the self view needs: the admin API's stores, without the master key. */
export type SelfRouterOptions = Omit<AdminRouterOptions, 'masterKey' | 'keyChanges' | 'maxJsonDepth'> & {
  /**
   * The gateway's master key, so that it is told apart from an unknown key: it has no
   * view of its own here (403, pointing to `/admin`) where any other unknown key gets 401.
   */
  masterKey?: string;
  /**
   * Who is asking, as a key that may be used now (or a thrown 401). By default the
   * virtual key's secret sent as `Authorization: Bearer`; the dashboard passes its session's.
   */
  authenticate?: (req: Request, at: Date) => Promise<VirtualKey>;
};

/**
 * `GET /` (mounted at `/v1/me` by the standalone server): a virtual key's own spend,
 * limits, expiry and recent requests, authorized by that key itself. Every ledger
 * read is pinned to the caller's key id; there is no parameter that names a key.
 * It limits nothing itself: each view reads the ledger three times, so mount it behind the
 * gateway's auth and rate limit (`gateway.guard(createSelfRouter(…))`), as the standalone server does.
 */
export function createSelfRouter(options: SelfRouterOptions): Router {
  const context = { ...options, masterKey: '', now: options.now ?? (() => new Date()) };
  const isMasterKey = options.masterKey ? keyMatcher(options.masterKey) : () => false;
  const checkQuery = compileValidator<SelfQueryParams>(selfQuerySchema);
  const authenticate =
    options.authenticate ??
    (async (req: Request, at: Date) => {
      const secret = extractApiKey(req);
      if (!secret) throw new GatewayError('missing_api_key', 'Send your API key as "Authorization: Bearer <key>".');
      const digest = hashApiKey(secret);
      if (isMasterKey(digest)) {
        throw new GatewayError('endpoint_not_allowed', "This is a virtual key's own view, and the master key is not a virtual key: read spend with GET /admin/usage, or call here with a virtual key.");
      }
      return findUsableKeyByDigest(options.keys, digest, at);
    });
  const router = express.Router();
  router.get('/', async (req, res) => {
    // Behind the gateway's guard, a key from the config (`auth.keys`) got here as a key the
    // gateway serves; the store does not know it, and its 401 said the working key was invalid.
    if (!options.authenticate && findContext(res)?.principal?.kind === 'static') {
      throw new GatewayError('endpoint_not_allowed', "This is a virtual key's own view, and this key is written in the gateway's config, not a virtual key: its usage is in GET /admin/usage, or call here with a virtual key.");
    }
    const key = await authenticate(req, context.now());
    const query = checkInput(checkQuery, { ...req.query }, 'query');
    sendJson(res, 200, await readSelfView(context, key, query));
  });
  router.all('/', (req, res) => refuseMethod(['GET'], req.baseUrl)(req, res));
  router.use(adminErrorHandler(options.logger));
  return router;
}
