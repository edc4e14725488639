export { FailSoftRedis, RedisRefusal, type FailSoftRedisOptions } from './fail-soft-redis.js';
