export { createAdminRouter } from './create-admin-router.js';
export type { AdminRouterOptions } from './admin-context.js';
export type { AuditRecord, KeyRecord, ScopeRecord } from './format-key-record.js';
export type { UsageRecordRow } from './format-usage.js';
export { parseDuration } from './parse-duration.js';
