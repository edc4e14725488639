export { loginThrottleBucket } from '@switchyard/core';
