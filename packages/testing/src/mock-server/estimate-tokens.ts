/** A deterministic token estimate: about four characters per token, as for English text. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Prompt tokens for a list of message texts: each message's text plus 3 tokens of framing. */
export function estimatePromptTokens(messageTexts: readonly string[]): number {
  return messageTexts.reduce((sum, text) => sum + estimateTokens(text) + 3, 0);
}
