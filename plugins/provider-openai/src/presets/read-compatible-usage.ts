import { readTokenCount, type Usage, isJsonObject } from '@switchyard/core';
import { readOpenAIUsage } from '../read-openai-usage.js';

type Json = Record<string, unknown>;


/**
 * Usage wherever an OpenAI-compatible service puts it: `usage` (OpenAI, on a trailing
 * chunk or the finishing one) or `x_groq.usage` (Groq streams). DeepSeek reports
 * cache hits as `prompt_cache_hit_tokens` instead of `prompt_tokens_details.cached_tokens`.
 * Undefined when there is none the gateway can bill from (readOpenAIUsage).
 */
export function readCompatibleUsage(holder: Json): Usage | undefined {
  const raw = isJsonObject(holder['usage']) ? holder['usage'] : isJsonObject(holder['x_groq']) && isJsonObject(holder['x_groq']['usage']) ? holder['x_groq']['usage'] : undefined;
  if (!raw) return undefined;
  const usage = readOpenAIUsage(raw);
  if (!usage) return undefined;
  const cacheHits = readTokenCount(raw['prompt_cache_hit_tokens']);
  if (usage.cachedInputTokens === undefined && cacheHits !== undefined && cacheHits > 0) usage.cachedInputTokens = cacheHits;
  return usage;
}
