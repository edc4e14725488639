import { auth } from './auth-step.js';

export default auth;
export { auth, type AuthOptions } from './auth-step.js';
export { extractApiKey } from './extract-api-key.js';
export { hashApiKey, keyMatcher } from './hash-api-key.js';
export { masterKeyResolver, staticKeyResolver, type KeyResolver, type PresentedKey, type StaticKey } from './key-resolver.js';
