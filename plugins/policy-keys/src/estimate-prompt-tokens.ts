import type { ChatRequest } from '@switchyard/core';

/**
 * A quick, generous estimate of a prompt's tokens for budget reservations: about
 * four characters a token, a few tokens a message, a fixed cost per image. The
 * reservation is settled to the provider's real count afterwards.
 */
export function estimatePromptTokens(request: ChatRequest): number {
  let characters = 0;
  let tokens = 3;
  for (const message of request.messages) {
    tokens += 4;
    if (typeof message.content === 'string') {
      characters += message.content.length;
      continue;
    }
    for (const part of message.content) {
      if (part.type === 'image') tokens += 1000;
      else if (part.type === 'tool-call') characters += part.name.length + part.arguments.length;
      else characters += part.text.length;
    }
  }
  for (const tool of request.tools ?? []) characters += JSON.stringify(tool).length;
  return tokens + Math.ceil(characters / 4);
}
