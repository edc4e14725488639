import { compileValidator, GatewayError, isInvalidKeyCursor, isKeyRevoked, isKeyUpdateConflict, type KeySecret, type VirtualKey, type VirtualKeyFields } from '@switchyard/core';
import express, { type Request, type Router } from 'express';
import type { AdminContext } from './admin-context.js';
import {
  createKeySchema,
  listAuditQuerySchema,
  listKeysQuerySchema,
  rotateKeySchema,
  updateKeySchema,
  type KeyFieldsBody,
  type ListAuditQuery,
  type ListKeysQuery,
  type RotateBody,
} from './admin-schemas.js';
import { checkInput, invalidField, unfitTextProblem } from './check-input.js';
import { formatAuditEntry, formatKeyRecord } from './format-key-record.js';
import { generateKeySecret } from './generate-key-secret.js';
import { keyFieldsFromBody } from './key-fields-from-body.js';
import { parseDuration } from './parse-duration.js';
import { budgetSpend } from './budget-spend.js';
import { revokeUnansweredKey } from './revoke-unanswered-key.js';
import { auditUnansweredRevoke } from './audit-unanswered-revoke.js';
import { cleanUpNowOrLater } from './retry-cleanup.js';
import { undoUnansweredRotation } from './undo-unanswered-rotation.js';
import { sendJson } from './send-json.js';

const actor = 'master';
/** Reads and merges of one update before it gives up to other writers of the same key's scope. */
const maxUpdateAttempts = 5;

/** `/keys`: create, list, show, update, revoke and rotate virtual keys; every change is audited. */
export function keyRoutes(context: AdminContext): Router {
  const { keys, logger, now } = context;
  const checkCreate = compileValidator<KeyFieldsBody>(createKeySchema);
  const checkUpdate = compileValidator<KeyFieldsBody>(updateKeySchema);
  const checkRotate = compileValidator<RotateBody>(rotateKeySchema);
  const checkList = compileValidator<ListKeysQuery>(listKeysQuerySchema);
  const checkAuditList = compileValidator<ListAuditQuery>(listAuditQuerySchema);
  const router = express.Router();

  const audit = async (key: VirtualKey, action: string, at: Date, details: Record<string, unknown>) => {
    await keys.appendAudit({ keyId: key.id, action, actor, at: at.toISOString(), details });
    // Ids and field names only: never the body, never a secret.
    logger.info({ keyId: key.id, action, actor, fields: Object.keys(details) }, `admin: key ${action}`);
  };

  // Bounded by the channel's timeout and never throws: a lost notice leaves the 1 s lookup cache as the bound.
  const announce = async (keyId: string) => {
    if (context.keyChanges && !(await context.keyChanges.publish(keyId))) {
      logger.warn({ keyId }, 'admin: a key change could not be announced; other instances see it within their 1 s lookup cache');
    }
  };

  const findKey = async (req: Request): Promise<VirtualKey> => {
    const id = String(req.params['id']);
    // An id no store could hold (NUL, a control character, a lone surrogate) names no key; PostgreSQL would refuse to look.
    if (unfitTextProblem(id) !== undefined) throw new GatewayError('key_not_found', 'No key with that id.', { param: 'id' });
    const key = await keys.get(id);
    // The id is quoted back only when it could be one (ids are short): a path of kilobytes is not echoed.
    if (!key) throw new GatewayError('key_not_found', id.length <= 64 ? `No key with id '${id}'.` : 'No key with that id.', { param: 'id' });
    return key;
  };

  /**
   * A scope is merged into the one read, and written only while it is still that one:
   * two updates at once (one setting `rpm`, one `budget`) each keep the other's
   * change instead of the later silently undoing the earlier. A lost race reads again.
   */
  const updateKey = (req: Request, body: KeyFieldsBody, at: Date) => inTurn(String(req.params['id']), () => mergeAndWrite(req, body, at));

  /**
   * Updates of one key on this router, one after the other: at once, they lost the scope's
   * race only to each other, and one that lost five times in a row was a 503 with nothing
   * wrong (a fifth of twenty updates sent together). Held only while updates of the key
   * are under way; writers elsewhere (another instance) are still met by the retries.
   */
  const updatesUnderWay = new Map<string, Promise<unknown>>();
  const inTurn = <T>(id: string, update: () => Promise<T>): Promise<T> => {
    const before = updatesUnderWay.get(id);
    const mine = before ? before.then(update, update) : update();
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    updatesUnderWay.set(id, settled);
    void settled.then(() => {
      if (updatesUnderWay.get(id) === settled) updatesUnderWay.delete(id);
    });
    return mine;
  };

  const mergeAndWrite = async (req: Request, body: KeyFieldsBody, at: Date) => {
    for (let attempt = 1; ; attempt++) {
      const current = await findKey(req);
      // Revoked is for good: nothing of the key changes after (re-enabling it would read as live in every list).
      if (current.revokedAt !== undefined) throw revokedKey(current.id, 'changed');
      const { fields, details } = keyFieldsFromBody(body, current.scope, at);
      try {
        const key = await keys.update(current.id, fields, fields.scope === undefined ? undefined : { scope: current.scope });
        if (!key) throw new GatewayError('key_not_found', `No key with id '${current.id}'.`, { param: 'id' });
        return { key, details };
      } catch (error) {
        // A revoke landing after the read above is caught by the store, inside the update's transaction.
        if (isKeyRevoked(error)) throw revokedKey(current.id, 'changed');
        if (!isKeyUpdateConflict(error)) throw error;
        if (attempt === maxUpdateAttempts) {
          throw new GatewayError('store_unavailable', `Key '${current.id}' kept changing while this update was applied; try again.`, { param: 'id' });
        }
      }
    }
  };

  router.post('/keys', async (req, res) => {
    const body = checkInput(checkCreate, req.body ?? {}, 'body');
    const at = now();
    const { fields, details } = keyFieldsFromBody(body, {}, at);
    const generated = generateKeySecret();
    let key: VirtualKey | undefined;
    try {
      key = await keys.create(fields as VirtualKeyFields, generated.stored);
      await audit(key, 'create', at, { ...details, secret_prefix: generated.stored.prefix });
    } catch (error) {
      // The store may have kept the key all the same (a timeout after the insert): its secret goes unanswered, so it must not stay live.
      await revokeUnansweredKey({ keys, logger, now, announce }, { secret: generated.stored, at, ...(key && { key }) });
      throw error;
    }
    sendJson(res, 201, { key: formatKeyRecord(key, at), secret: generated.secret });
  });

  router.get('/keys', async (req, res) => {
    const query = checkInput(checkList, { ...req.query }, 'query');
    const limit = readLimit(query.limit, 20, 100);
    const page = await keys
      .list({
        limit,
        ...(query.cursor !== undefined && { cursor: query.cursor }),
        ...(query.team !== undefined && { team: query.team }),
        ...(query.project !== undefined && { project: query.project }),
        ...(query.tag !== undefined && { tag: query.tag }),
        includeRevoked: query.include_revoked === 'true',
      })
      .catch(clientCursorError);
    const at = now();
    const spend = await Promise.all(page.keys.map((key) => budgetSpend(context, key, at)));
    sendJson(res, 200, {
      data: page.keys.map((key, index) => ({ ...formatKeyRecord(key, at), budget_spent_usd: spend[index] })),
      next_cursor: page.nextCursor ?? null,
    });
  });

  router.get('/keys/:id', async (req, res) => {
    sendJson(res, 200, { key: formatKeyRecord(await findKey(req), now()) });
  });

  router.patch('/keys/:id', async (req, res) => {
    const body = checkInput(checkUpdate, req.body ?? {}, 'body');
    if (Object.keys(body).length === 0) throw new GatewayError('invalid_request', 'The update is empty: give at least one field to change.');
    const at = now();
    const { key, details } = await updateKey(req, body, at);
    await announce(key.id);
    // The change is stored: an entry that could not be written is written again (before the 503, then after 1, 5 and 30 s),
    // or the key's trail lacked a change its scope holds (a caller that did not retry left it so for good).
    await audit(key, 'update', at, details).catch(async (error: unknown) => {
      await cleanUpNowOrLater(
        () => audit(key, 'update', at, details).then(() => 'done' as const, () => 'failed' as const),
        () => logger.error({ keyId: key.id, fields: Object.keys(details) }, 'admin: a key update was stored but its audit entry could not be written'),
      );
      throw error;
    });
    sendJson(res, 200, { key: formatKeyRecord(key, at) });
  });

  router.post('/keys/:id/revoke', async (req, res) => {
    // In turn with this router's other changes of the key: revokes sent together each read it live.
    const { key, at } = await inTurn(String(req.params['id']), async () => {
      const current = await findKey(req);
      const at = now();
      // Revoking twice is not an error: the key stays revoked as of the first time.
      if (current.revokedAt !== undefined) return { key: current, at };
      // A store that failed after the revoke committed: the retry finds the key revoked and audits nothing, so it is audited here.
      const auditLater = async (error: unknown): Promise<never> => {
        await auditUnansweredRevoke({ keys, logger }, { keyId: current.id, at });
        throw error;
      };
      const key = await keys.revoke(current.id, at).catch(async (error: unknown) => {
        // The announcement first: whether or not the revoke landed, cached lookups of the key are dropped.
        await announce(current.id);
        return auditLater(error);
      });
      if (!key) throw new GatewayError('key_not_found', `No key with id '${current.id}'.`, { param: 'id' });
      await announce(key.id);
      // Revoked first by another instance (the store keeps the first time): that one audited it.
      if (key.revokedAt === undefined || Date.parse(key.revokedAt) === at.getTime()) await audit(key, 'revoke', at, {}).catch(auditLater);
      return { key, at };
    });
    sendJson(res, 200, { key: formatKeyRecord(key, at) });
  });

  router.post('/keys/:id/rotate', async (req, res) => {
    const body = checkInput(checkRotate, req.body ?? {}, 'body');
    const graceMilliseconds = body.grace_period === undefined ? 0 : parseDuration(body.grace_period);
    if (graceMilliseconds === undefined) {
      throw invalidField('grace_period', 'expected a duration such as 10m, 12h or 2d, or a number of seconds');
    }
    const current = await findKey(req);
    const revoked = () => revokedKey(current.id, 'rotated');
    if (current.revokedAt !== undefined) throw revoked();
    const at = now();
    const graceUntil = graceMilliseconds > 0 ? new Date(at.getTime() + graceMilliseconds) : undefined;
    const generated = generateKeySecret();
    // The store may have rotated all the same (a timeout after the commit): its new secret goes unanswered, so the old ones must work on.
    const undoRotation = () =>
      undoUnansweredRotation({ keys, logger, now, announce }, { keyId: current.id, secret: generated.stored, previous: current.secrets, at });
    // A revoke landing after the read above is caught by the store, inside the rotation's transaction.
    const key = await keys.rotate(current.id, generated.stored, graceUntil).catch(async (error: unknown) => {
      if (isKeyRevoked(error)) throw revoked();
      await undoRotation();
      throw error;
    });
    if (!key) throw new GatewayError('key_not_found', `No key with id '${current.id}'.`, { param: 'id' });
    await announce(key.id);
    const endedByLimit = graceUntil === undefined ? [] : secretsEndedAtOnce(current, key, at);
    await audit(key, 'rotate', at, {
      grace_period_seconds: graceMilliseconds / 1000,
      previous_secrets_expire_at: (graceUntil ?? at).toISOString(),
      secret_prefix: generated.stored.prefix,
      ...(endedByLimit.length > 0 && { secrets_ended_by_limit: endedByLimit }),
    }).catch(async (error: unknown) => {
      await undoRotation();
      throw error;
    });
    sendJson(res, 200, { key: formatKeyRecord(key, at), secret: generated.secret });
  });

  // A page at a time: a key changed thousands of times is never read, held and sent at once.
  router.get('/keys/:id/audit', async (req, res) => {
    const query = checkInput(checkAuditList, { ...req.query }, 'query');
    const limit = readLimit(query.limit, 100, 200);
    const key = await findKey(req);
    const page = await keys
      .listAudit(key.id, { limit, ...(query.cursor !== undefined && { cursor: query.cursor }) })
      .catch(clientCursorError);
    sendJson(res, 200, { data: page.entries.map(formatAuditEntry), next_cursor: page.nextCursor ?? null });
  });

  return router;
}

/** The 409 of a change asked of a revoked key: nothing of it changes, and nothing is audited. */
function revokedKey(id: string, what: 'changed' | 'rotated'): GatewayError {
  return new GatewayError('key_state_conflict', `Key '${id}' is revoked; it cannot be ${what}.`, { param: 'id' });
}

/** A list's `limit` from the query: `fallback` when absent, else an integer from 1 to `max` (400 otherwise). */
function readLimit(text: string | undefined, fallback: number, max: number): number {
  const limit = text === undefined ? fallback : /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
  if (!(limit >= 1 && limit <= max)) throw invalidField('limit', `expected an integer from 1 to ${max}`);
  return limit;
}

/** The store's own cursors are opaque; one it did not make is the client's mistake. */
function clientCursorError(error: unknown): never {
  throw isInvalidKeyCursor(error) ? invalidField('cursor', 'expected a next_cursor from an earlier page') : error;
}

const isLiveAt = (secret: KeySecret, at: Date): boolean => secret.expiresAt === undefined || Date.parse(secret.expiresAt) > at.getTime();

/**
 * The prefixes of secrets that worked before a rotation with a grace period and no longer do
 * after it: the oldest, ended at once by the cap of `MAX_LIVE_SECRETS_PER_KEY` working secrets.
 */
function secretsEndedAtOnce(before: VirtualKey, after: VirtualKey, at: Date): string[] {
  const stillLive = new Set(after.secrets.filter((secret) => isLiveAt(secret, at)).map((secret) => secret.hash));
  return before.secrets.filter((secret) => isLiveAt(secret, at) && !stillLive.has(secret.hash)).map((secret) => secret.prefix);
}
