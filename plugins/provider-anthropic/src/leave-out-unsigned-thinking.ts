/**
 * The client's `messages` without the thinking blocks that carry no signature, as the
 * translated path leaves them out. Anthropic signs every thinking block it writes and
 * refuses one sent back unsigned (400 `thinking.signature: Field required`); an unsigned
 * one is the gateway's own, written from another provider's reasoning (Gemini thoughts,
 * Cohere's tool plan) that an SDK's `finalMessage()` hands back as history after a
 * route switch. An assistant turn that would be left empty keeps its blocks (Anthropic
 * answers for itself), and `messages` without such a block is returned as it is.
 */
export function leaveOutUnsignedThinking(messages: unknown): unknown {
  if (!Array.isArray(messages) || !messages.some(hasUnsignedThinking)) return messages;
  return messages.map((message: unknown) => {
    if (!hasUnsignedThinking(message)) return message;
    const content = (message as { content: unknown[] }).content.filter((block) => !isUnsignedThinking(block));
    return content.length === 0 ? message : { ...(message as object), content };
  });
}

function hasUnsignedThinking(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const { role, content } = message as { role?: unknown; content?: unknown };
  return role === 'assistant' && Array.isArray(content) && content.some(isUnsignedThinking);
}

function isUnsignedThinking(block: unknown): boolean {
  if (typeof block !== 'object' || block === null) return false;
  const { type, signature } = block as { type?: unknown; signature?: unknown };
  return type === 'thinking' && (signature === undefined || signature === '');
}
