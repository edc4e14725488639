import type { KeySecret, VirtualKey } from '@switchyard/core';
import { cleanUpNowOrLater, type CleanupOutcome } from './retry-cleanup.js';
import type { UnansweredKeyDeps } from './revoke-unanswered-key.js';

export interface UnansweredRotation {
  keyId: string;
  /** The secret the rotation added; only its digest and prefix, never the secret. */
  secret: KeySecret;
  /** The key's secrets as read before the rotation. */
  previous: KeySecret[];
  at: Date;
  /** The key once undone, so a retry after a failed audit write does not look for the secret again. */
  undone?: VirtualKey;
}

/**
 * A `POST /keys/:id/rotate` that failed after the store may have rotated: a timeout
 * after the rotation committed (SQLite's worker past `call_timeout_ms`, PostgreSQL
 * past `query_timeout_ms`), or the audit entry's write failing after it. The new
 * secret left with nobody, and without a grace period the old one had stopped working:
 * the key's holder was locked out until an admin rotated again. A 503 says nothing
 * changed, so the rotation is undone (`KeyStore.undoRotation`) and audited: tried once
 * before the error is answered, then, while the store fails or the rotation has not
 * landed, a few more times in the background.
 */
export async function undoUnansweredRotation(deps: UnansweredKeyDeps, rotation: UnansweredRotation): Promise<void> {
  await cleanUpNowOrLater(
    () => tryUndo(deps, rotation),
    () =>
      deps.logger.error(
        { keyId: rotation.keyId, secretPrefix: rotation.secret.prefix },
        'admin: a rotation whose answer failed could not be undone; its old secret may have stopped working; rotate the key again',
      ),
  );
}

async function tryUndo(deps: UnansweredKeyDeps, rotation: UnansweredRotation): Promise<CleanupOutcome> {
  const { keys, logger } = deps;
  const { keyId } = rotation;
  const secretPrefix = rotation.secret.prefix;
  try {
    if (!rotation.undone) {
      const undone = await keys.undoRotation(keyId, rotation.secret, rotation.previous);
      if (!undone) return 'absent';
      rotation.undone = undone;
      await deps.announce(keyId);
    }
    // Given back only when every secret left is one from before: otherwise a later rotation stood and only the unseen one ended.
    const left = rotation.undone.secrets;
    const gaveBack = rotation.undone.revokedAt === undefined && left.every((secret) => rotation.previous.some((old) => old.hash === secret.hash));
    await keys.appendAudit({
      keyId,
      action: 'rotate_undone',
      actor: 'gateway',
      at: deps.now().toISOString(),
      details: {
        reason: 'rotate_failed',
        rotated_at: rotation.at.toISOString(),
        secret_prefix: secretPrefix,
        restored_secret_prefixes: gaveBack ? left.map((secret) => secret.prefix) : [],
      },
    });
    logger.warn({ keyId, secretPrefix }, 'admin: a rotation whose answer failed after it was stored was undone; its new secret was never answered');
    return 'done';
  } catch (error) {
    logger.debug({ err: error, keyId, secretPrefix }, 'admin: the rotation of a failed answer could not be undone yet');
    return 'failed';
  }
}
