import type { ChatMessage } from '@switchyard/core';

/** About four characters per token, as for English with OpenAI's tokenizers. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Prompt tokens the way chat models count them: content plus a few per message. */
export function estimatePromptTokens(messages: ChatMessage[]): number {
  let tokens = 3;
  for (const message of messages) {
    tokens += 4;
    if (typeof message.content === 'string') tokens += estimateTokens(message.content);
    else {
      for (const part of message.content) {
        if (part.type === 'image') tokens += 85; // OpenAI's price of a low-detail image
        else if (part.type === 'tool-call') tokens += estimateTokens(part.name + part.arguments);
        else tokens += estimateTokens(part.text);
      }
    }
  }
  return tokens;
}
