export { FailSoftRedis, type FailSoftRedisOptions } from './fail-soft-redis.js';
