import type { EmbeddingsUsage } from './embeddings.js';
import { readTokenCount } from './read-token-count.js';

/**
 * An embeddings answer's input count (`prompt_tokens`, `billed_units.input_tokens`,
 * `inputTextTokenCount` …) → its usage, by the one rule (readTokenCount): undefined
 * when absent or not a count, and the gateway then bills its estimate of the input.
 */
export function readEmbeddingsUsage(count: unknown): EmbeddingsUsage | undefined {
  const inputTokens = readTokenCount(count);
  return inputTokens === undefined || Number.isNaN(inputTokens) ? undefined : { inputTokens };
}
