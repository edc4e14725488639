export type * from './key-store.js';
export type * from './usage-ledger.js';
export { OTHER_USAGE_GROUP } from './usage-ledger.js';
export type * from './budget-store.js';
export { DEFAULT_RESERVATION_TTL_MS, EXPIRED_RESERVATION_RETENTION_MS, MAX_PAYMENT_ID_LENGTH, MAX_RELEASED_RESERVATIONS } from './budget-store.js';
export { StoreHealth, describeStoreError, type StoreHealthOptions } from './store-health.js';
export { StorageStartError, startingStorage } from './storage-start-error.js';
export { guardStore, isStoreOutage, type StoreBoundaryOptions } from './guard-store.js';
export type { KeyChange, KeyChangeListener, KeyChangeChannel } from './key-change-channel.js';
export { keyIdPattern, parseKeyChange } from './key-change-channel.js';
export type * from './response-store.js';
export { DEFAULT_MAX_MEMORY_RESPONSE_BYTES, MemoryResponseStore, type MemoryResponseStoreOptions } from './memory-response-store.js';
export { EARLIEST_STORABLE_TIME_MS, LATEST_STORABLE_TIME_MS, isStorableTime } from './storable-time.js';
export { decodeAuditCursor, encodeAuditCursor } from './audit-cursor.js';
export { encodeLedgerCursor, decodeLedgerCursor, type LedgerCursor } from './ledger-cursor.js';
export { INVALID_KEY_CURSOR, KEY_REVOKED, KEY_UPDATE_CONFLICT, invalidKeyCursor, isInvalidKeyCursor, isKeyRevoked, isKeyUpdateConflict, keyRevoked, keyUpdateConflict } from './key-store-errors.js';
export { MAX_LIVE_SECRETS_PER_KEY } from './max-live-secrets.js';
export { sumOfCosts } from './sum-of-costs.js';
export {
  DEFAULT_MAX_STORED_RESPONSE_BYTES,
  StoredResponseTooLarge,
  isStoredResponseTooLarge,
  serializeStoredPayload,
} from './stored-response-too-large.js';
