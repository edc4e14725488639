/**
 * `@switchyard/core/store-helpers`: the dependency-free helpers a storage plugin's
 * stores need, for code that must not load the rest of core. The SQLite worker thread
 * imports these instead of the main entry, which would pull Express, ajv, pino,
 * prom-client and undici into the worker's own heap (measured: 48.7 → 11.2 MB of
 * worker heap at the c64 bench's peak).
 */
export { decodeAuditCursor, encodeAuditCursor } from './stores/audit-cursor.js';
export { decodeLedgerCursor, encodeLedgerCursor, type LedgerCursor } from './stores/ledger-cursor.js';
export { INVALID_KEY_CURSOR, KEY_REVOKED, KEY_UPDATE_CONFLICT, invalidKeyCursor, isInvalidKeyCursor, isKeyRevoked, isKeyUpdateConflict, keyRevoked, keyUpdateConflict } from './stores/key-store-errors.js';
export { MAX_LIVE_SECRETS_PER_KEY } from './stores/max-live-secrets.js';
export { sumOfCosts } from './stores/sum-of-costs.js';
export { OTHER_USAGE_GROUP } from './stores/usage-ledger.js';
export {
  DEFAULT_MAX_STORED_RESPONSE_BYTES,
  isStoredResponseTooLarge,
  serializeStoredPayload,
  StoredResponseTooLarge,
} from './stores/stored-response-too-large.js';
