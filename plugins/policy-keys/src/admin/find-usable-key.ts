import { GatewayError, type KeyStore, type VirtualKey } from '@switchyard/core';
import { hashApiKey } from '../hash-api-key.js';
import { assertKeyUsable } from '../assert-key-usable.js';

/**
 * The virtual key a secret belongs to, when it may be used now; otherwise the same
 * 401 the auth step answers (`invalid_api_key`, `key_revoked` …). Looked up by
 * digest only, like the auth step, so it tells no more by timing than auth does.
 */
export async function findUsableKey(keys: KeyStore, secret: string, at: Date): Promise<VirtualKey> {
  return findUsableKeyByDigest(keys, hashApiKey(secret), at);
}

/** As `findUsableKey`, from the secret's digest (what a dashboard session keeps instead of the secret). */
export async function findUsableKeyByDigest(keys: KeyStore, digest: string, at: Date): Promise<VirtualKey> {
  const key = await keys.findBySecretHash(digest, at);
  if (!key) throw new GatewayError('invalid_api_key', 'The API key is not valid.');
  assertKeyUsable(key, at);
  return key;
}
