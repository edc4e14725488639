import type { KeySecret, KeyStore, Logger, VirtualKey } from '@switchyard/core';
import { cleanUpNowOrLater, type CleanupOutcome } from './retry-cleanup.js';

export interface UnansweredKey {
  /** The secret made for it; only its digest and prefix, never the secret. */
  secret: KeySecret;
  /** The key, when the store returned it (the audit write failed after the insert). */
  key?: VirtualKey;
  at: Date;
}

export interface UnansweredKeyDeps {
  keys: KeyStore;
  logger: Logger;
  now: () => Date;
  /** Tells the other instances; never throws. */
  announce: (keyId: string) => Promise<void>;
}

/**
 * A `POST /keys` that failed after the store may have kept the key: a timeout after
 * the insert committed (SQLite's worker past `call_timeout_ms`, PostgreSQL past
 * `query_timeout_ms`), or the audit entry's write failing after it. Its secret left
 * with the error answer, so nobody holds it, yet the key was live, unaudited, in every
 * list, and the caller's retry made a second one beside it. It is revoked, with an
 * audit entry saying why, if it is there: tried once before the error is answered,
 * then, while the store fails or the key has not appeared, a few more times in the
 * background.
 */
export async function revokeUnansweredKey(deps: UnansweredKeyDeps, unanswered: UnansweredKey): Promise<void> {
  // A gateway closing before the last try leaves the key to the operator (the error line below when it could not).
  await cleanUpNowOrLater(
    () => tryRevoke(deps, unanswered),
    () =>
      deps.logger.error(
        { secretPrefix: unanswered.secret.prefix },
        'admin: a key whose create failed may be stored and could not be revoked; revoke the key with this secret prefix, if it is listed',
      ),
  );
}

async function tryRevoke(deps: UnansweredKeyDeps, unanswered: UnansweredKey): Promise<CleanupOutcome> {
  const { keys, logger } = deps;
  const secretPrefix = unanswered.secret.prefix;
  try {
    const key = unanswered.key ?? (await keys.findBySecretHash(unanswered.secret.hash, deps.now()));
    if (!key) return 'absent';
    unanswered.key = key;
    if (key.revokedAt === undefined) {
      // Kept, so a retry after a failed audit write does not revoke it again.
      unanswered.key = (await keys.revoke(key.id, deps.now())) ?? key;
      await deps.announce(key.id);
    }
    await keys.appendAudit({
      keyId: key.id,
      action: 'revoke',
      actor: 'gateway',
      at: deps.now().toISOString(),
      details: { reason: 'create_failed', created_at: unanswered.at.toISOString(), secret_prefix: secretPrefix },
    });
    logger.warn({ keyId: key.id, secretPrefix }, 'admin: a key whose create failed after it was stored was revoked; its secret was never answered');
    return 'done';
  } catch (error) {
    logger.debug({ err: error, secretPrefix }, 'admin: the key of a failed create could not be looked up or revoked yet');
    return 'failed';
  }
}
