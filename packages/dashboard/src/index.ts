export { createDashboardRouter, dashboardHeader } from './create-dashboard-router.js';
export type { DashboardOptions } from './dashboard-options.js';
export { contentSecurityPolicy } from './security-headers.js';
export { SessionStore, type DashboardSession, type SessionStoreOptions } from './session-store.js';
export type { SessionChange, SessionSharing } from './session-sharing.js';
export { defaultMaxLoginFailures, LoginThrottle, type LoginLimiter, type LoginTry } from './login-throttle.js';
