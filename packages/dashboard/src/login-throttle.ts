// The throttle lives in core: the admin API and the auth step count wrong master keys with it too.
export { clientAddress, defaultMaxLoginFailures, LoginThrottle, type LoginLimiter, type LoginTry } from '@switchyard/core';
