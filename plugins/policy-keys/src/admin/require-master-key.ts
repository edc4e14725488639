import { clientAddress, GatewayError, LoginThrottle, type LoginLimiter } from '@switchyard/core';
import type { RequestHandler } from 'express';
import { extractApiKey } from '../extract-api-key.js';
import { hashApiKey, keyMatcher } from '../hash-api-key.js';

/** The answer to an address past its wrong keys, whatever key it sends now (the master key included). */
export function tooManyWrongKeys(): GatewayError {
  return new GatewayError('too_many_logins', 'Too many wrong keys from this address; try again in a minute.');
}

/**
 * Lets only the master key through, by `Authorization: Bearer` or `x-api-key`.
 * Virtual and static keys are refused like any other key: the admin API never
 * looks keys up, so it cannot tell a caller which of its guesses was a real key.
 * Wrong keys are counted per client address (the dashboard login's throttle, 10 a
 * minute by default): past the limit every key from that address, the master key
 * too, is 429 `too_many_logins` until the minute has passed, so a weak master key
 * cannot be guessed at the speed of the network.
 */
export function requireMasterKey(masterKey: string, throttle: LoginLimiter = new LoginThrottle()): RequestHandler {
  const isMasterKey = keyMatcher(masterKey);
  return async (req, _res, next) => {
    const presented = extractApiKey(req);
    if (!presented) {
      throw new GatewayError('missing_api_key', 'The admin API needs the master key as "Authorization: Bearer <key>".');
    }
    const attempt = await throttle.begin(clientAddress(req));
    if (!attempt) throw tooManyWrongKeys();
    const wrong = !isMasterKey(hashApiKey(presented));
    attempt.end(wrong);
    if (wrong) {
      throw new GatewayError('invalid_api_key', 'The admin API only accepts the master key.');
    }
    next();
  };
}
