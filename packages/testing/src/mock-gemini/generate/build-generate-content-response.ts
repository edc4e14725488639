import { candidate, functionCallParts, usageMetadata, type GeminiReplyIdentity } from './gemini-reply-pieces.js';
import type { PlannedGeminiReply } from './plan-gemini-reply.js';

/** A whole `GenerateContentResponse`, with the fields of `response.json` / `response-tool-call.json` in their order. */
export function buildGenerateContentResponse(identity: GeminiReplyIdentity, reply: PlannedGeminiReply): Record<string, unknown> {
  const parts: Array<Record<string, unknown>> = [];
  if (reply.thought) parts.push({ text: reply.thought, thought: true });
  if (reply.text !== null && reply.text !== '') parts.push({ text: reply.text });
  parts.push(...functionCallParts(reply, identity));
  return {
    candidates: [candidate(parts, reply.finishReason)],
    usageMetadata: usageMetadata(reply.usage),
    modelVersion: identity.modelVersion,
    responseId: identity.responseId,
  };
}
