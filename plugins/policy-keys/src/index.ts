import { auth } from './auth-step.js';

export default auth;
export { auth, type AuthOptions } from './auth-step.js';
export { extractApiKey } from './extract-api-key.js';
export { hashApiKey, keyMatcher } from './hash-api-key.js';
export { masterKeyResolver, staticKeyResolver, type KeyResolver, type PresentedKey, type StaticKey } from './key-resolver.js';
export { keyScope, type KeyScopeOptions } from './key-scope-step.js';
export { storeKeyResolver, keyCacheTtlMs, type OnStoreError, type StoreKeyResolver, type StoreKeyResolverOptions } from './store-key-resolver.js';
export { keyChangeChannelOf } from './key-change-channel-of.js';
export { openKeyChangeChannel, type InvalidationOptions } from './open-key-change-channel.js';
export { RedisKeyChangeChannel, type RedisKeyChangeChannelOptions } from './redis-key-change-channel.js';
export { budgetWindowStart } from './budget-window.js';
export { createAdminRouter, parseDuration, type AdminRouterOptions, type AuditRecord, type KeyRecord, type ScopeRecord, type UsageRecordRow } from './admin/index.js';
export { createSelfRouter, findUsableKey, findUsableKeyByDigest, type SelfRouterOptions, type RequestRecordRow, type SelfView } from './admin/index.js';
export { assertKeyUsable } from './assert-key-usable.js';
export { BudgetLeaseKeeper } from './budget-lease-keeper.js';
