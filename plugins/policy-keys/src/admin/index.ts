export { createAdminRouter } from './create-admin-router.js';
export type { AdminRouterOptions } from './admin-context.js';
export type { AuditRecord, KeyRecord, ScopeRecord } from './format-key-record.js';
export type { UsageRecordRow } from './format-usage.js';
export { parseDuration } from './parse-duration.js';
export { createSelfRouter, type SelfRouterOptions } from './create-self-router.js';
export { findUsableKey, findUsableKeyByDigest } from './find-usable-key.js';
export type { RequestRecordRow } from './format-usage-record.js';
export type { SelfView } from './read-self-view.js';
