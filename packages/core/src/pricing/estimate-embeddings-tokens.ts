import type { EmbeddingsRequest } from '../canonical/embeddings.js';
import { CHARACTERS_PER_TOKEN, textLength } from './estimate-prompt-tokens.js';

/**
 * The input tokens of an embeddings request, estimated as a chat prompt is: about four
 * characters per token of text (a token per character outside ASCII), and token-id
 * inputs as they are. Not 0: an embeddings call costs its input. Budgets hold it before
 * the call; an answer without a usage the gateway can read is billed it.
 */
export function estimateEmbeddingsTokens(request: EmbeddingsRequest): number {
  let tokens = 0;
  for (const input of request.input) tokens += typeof input === 'string' ? Math.ceil(textLength(input) / CHARACTERS_PER_TOKEN) : input.length;
  return tokens;
}
