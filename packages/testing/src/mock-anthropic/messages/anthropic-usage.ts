/** A message's `usage` in Anthropic's wire shape, as in `response.json`. */
export interface AnthropicUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  output_tokens: number;
  service_tier: string;
}

/**
 * Builds the usage object. Anthropic's `input_tokens` excludes cached tokens, so a
 * whole prompt of `promptTokens` of which `cachedTokens` were read from the cache
 * and `cacheWriteTokens` written to it (`hourWriteTokens` of them for an hour) reports the difference.
 */
export function anthropicUsage(promptTokens: number, outputTokens: number, cachedTokens = 0, cacheWriteTokens = 0, hourWriteTokens = 0): AnthropicUsage {
  return {
    input_tokens: Math.max(0, promptTokens - cachedTokens - cacheWriteTokens),
    cache_creation_input_tokens: cacheWriteTokens,
    cache_read_input_tokens: cachedTokens,
    cache_creation: { ephemeral_5m_input_tokens: cacheWriteTokens - hourWriteTokens, ephemeral_1h_input_tokens: hourWriteTokens },
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}
