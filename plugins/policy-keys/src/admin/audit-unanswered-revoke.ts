import { cleanUpNowOrLater, type CleanupOutcome } from './retry-cleanup.js';
import type { UnansweredKeyDeps } from './revoke-unanswered-key.js';

export interface UnansweredRevoke {
  keyId: string;
  /** The time the revoke asked for: the key found revoked at it is this revoke's. */
  at: Date;
}

/**
 * A `POST /keys/:id/revoke` that failed after the store may have revoked: a timeout after
 * the revoke committed, or its audit entry's write failing. The caller's retry found the key
 * revoked and answered 200 without auditing (revoking twice changes nothing), so the revoke
 * was in no audit trail. Its entry is written once the key is seen revoked at this revoke's
 * time: tried once before the error is answered, then, while the store fails or the revoke has
 * not landed, a few more times in the background. A key revoked at another time was audited by
 * that revoke; one never revoked was not changed, and needs no entry.
 */
export async function auditUnansweredRevoke(deps: Pick<UnansweredKeyDeps, 'keys' | 'logger'>, revoke: UnansweredRevoke): Promise<void> {
  await cleanUpNowOrLater(
    () => tryAudit(deps, revoke),
    () => deps.logger.error({ keyId: revoke.keyId }, 'admin: a revoke whose answer failed may be stored and could not be audited; the key is revoked or unchanged, as it reads'),
  );
}

async function tryAudit(deps: Pick<UnansweredKeyDeps, 'keys' | 'logger'>, revoke: UnansweredRevoke): Promise<CleanupOutcome> {
  const { keys, logger } = deps;
  try {
    const key = await keys.get(revoke.keyId);
    if (key?.revokedAt === undefined) return 'absent';
    if (Date.parse(key.revokedAt) !== revoke.at.getTime()) return 'done';
    await keys.appendAudit({ keyId: key.id, action: 'revoke', actor: 'master', at: revoke.at.toISOString(), details: {} });
    logger.info({ keyId: key.id, action: 'revoke', actor: 'master', fields: [] }, 'admin: key revoke');
    return 'done';
  } catch (error) {
    logger.debug({ err: error, keyId: revoke.keyId }, 'admin: the revoke of a failed answer could not be audited yet');
    return 'failed';
  }
}
