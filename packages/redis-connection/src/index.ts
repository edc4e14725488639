export { FailSoftRedis, RedisRefusal, redisRefusalCode, type FailSoftRedisOptions } from './fail-soft-redis.js';
