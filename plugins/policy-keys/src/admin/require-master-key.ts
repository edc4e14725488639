import { GatewayError } from '@switchyard/core';
import type { RequestHandler } from 'express';
import { extractApiKey } from '../extract-api-key.js';
import { hashApiKey, keyMatcher } from '../hash-api-key.js';

/**
 * Lets only the master key through, by `Authorization: Bearer` or `x-api-key`.
 * Virtual and static keys are refused like any other key: the admin API never
 * looks keys up, so it cannot tell a caller which of its guesses was a real key.
 */
export function requireMasterKey(masterKey: string): RequestHandler {
  const isMasterKey = keyMatcher(masterKey);
  return (req, _res, next) => {
    const presented = extractApiKey(req);
    if (!presented) {
      throw new GatewayError('missing_api_key', 'The admin API needs the master key as "Authorization: Bearer <key>".');
    }
    if (!isMasterKey(hashApiKey(presented))) {
      throw new GatewayError('invalid_api_key', 'The admin API only accepts the master key.');
    }
    next();
  };
}
