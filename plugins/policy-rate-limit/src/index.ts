import { rateLimit } from './rate-limit-step.js';

export default rateLimit;
export { rateLimit, createRateLimitHandler, defaultRedisUrl, type RateLimitHandlerOverrides } from './rate-limit-step.js';
export {
  rateLimitOptionsSchema,
  type MemoryStoreOption,
  type OnStoreError,
  type RateLimit,
  type RateLimitOptions,
  type RedisStoreOption,
} from './rate-limit-options.js';
export { RateLimiter, setRateLimitHeaders, type ApplicableLimit, type LimitDimension, type LimitSource, type RateLimiterOptions } from './rate-limiter.js';
export { gcraAdjust, gcraDecide, gcraLimit, gcraRescaledTat, gcraRemaining, gcraResetMs, type GcraDecision, type GcraLimit, type GcraState } from './gcra.js';
export type { RateLimitStore } from './rate-limit-store.js';
export { MemoryRateLimitStore, type MemoryRateLimitStoreOptions } from './memory-rate-limit-store.js';
export { RedisRateLimitStore, type RedisRateLimitStoreOptions } from './redis-rate-limit-store.js';
export { gcraLuaScript } from './gcra-lua-script.js';
export {
  countChatTokens,
  countEmbeddingsTokens,
  createPromptTokenCounter,
  openAIEncodingFor,
  type CountText,
  type PromptTokenCounter,
  type TokenizerOption,
} from './count-prompt-tokens.js';
export { formatResetDuration } from './format-reset-duration.js';
