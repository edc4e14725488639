/** `usage` in Cohere's wire shape, as in `response.json`. */
export interface CohereUsage {
  billed_units: { input_tokens: number; output_tokens: number };
  tokens: { input_tokens: number; output_tokens: number };
  cached_tokens: number;
}

/** The mock bills exactly the tokens it counts; the real API bills fewer (no prompt template). */
export function cohereUsage(inputTokens: number, outputTokens: number, cachedTokens = 0): CohereUsage {
  return {
    billed_units: { input_tokens: inputTokens, output_tokens: outputTokens },
    tokens: { input_tokens: inputTokens, output_tokens: outputTokens },
    cached_tokens: cachedTokens,
  };
}
