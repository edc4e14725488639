import { thoughtSignatureSeparator } from './invent-tool-call-id.js';

/** The Gemini `thoughtSignature` a tool-call id carries (see inventToolCallId), as standard base64. */
export function readThoughtSignature(toolCallId: string): string | undefined {
  const at = toolCallId.indexOf(thoughtSignatureSeparator);
  if (at === -1) return undefined;
  const encoded = toolCallId.slice(at + thoughtSignatureSeparator.length);
  return encoded === '' ? undefined : Buffer.from(encoded, 'base64url').toString('base64');
}
