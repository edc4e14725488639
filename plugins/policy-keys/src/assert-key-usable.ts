import { GatewayError, type VirtualKey } from '@switchyard/core';

/**
 * Throws the 401 that says why a key may not be used at `at` (revoked, disabled,
 * expired); returns when it may. One rule for the auth step, the self view and
 * dashboard sessions, so a key refused by one is refused by all.
 */
export function assertKeyUsable(key: VirtualKey, at: Date): void {
  if (key.revokedAt) throw new GatewayError('key_revoked', 'This API key has been revoked.');
  if (key.disabled) throw new GatewayError('key_disabled', 'This API key is disabled.');
  if (key.scope.expiresAt && Date.parse(key.scope.expiresAt) <= at.getTime()) {
    throw new GatewayError('key_expired', 'This API key has expired.');
  }
}
