import type { PlannedGeminiReply, PlannedGeminiUsage } from './plan-gemini-reply.js';

/** The fields every response and every chunk of one answer share. */
export interface GeminiReplyIdentity {
  responseId: string;
  /** The model of the request path, reported as `modelVersion`. */
  modelVersion: string;
}

/**
 * The signature a thinking model puts on its first function call, which a client
 * must send back unchanged (as in the fixture `response-tool-call.json`).
 */
export function mockThoughtSignature(responseId: string): string {
  return Buffer.from(`mock-thought-signature:${responseId}`).toString('base64');
}

/** `usageMetadata` with the field order of the fixtures; `candidates` may be a running count. */
export function usageMetadata(usage: PlannedGeminiUsage, candidates = usage.candidatesTokenCount): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    promptTokenCount: usage.promptTokenCount,
    candidatesTokenCount: candidates,
    totalTokenCount: usage.promptTokenCount + candidates + usage.thoughtsTokenCount,
  };
  if (usage.cachedContentTokenCount > 0) metadata['cachedContentTokenCount'] = usage.cachedContentTokenCount;
  metadata['promptTokensDetails'] = [{ modality: 'TEXT', tokenCount: usage.promptTokenCount }];
  if (usage.thoughtsTokenCount > 0) metadata['thoughtsTokenCount'] = usage.thoughtsTokenCount;
  return metadata;
}

/** The `functionCall` parts of a reply, the first one signed. */
export function functionCallParts(reply: PlannedGeminiReply, identity: GeminiReplyIdentity): Array<Record<string, unknown>> {
  return reply.functionCalls.map((call, index) => {
    const part: Record<string, unknown> = { functionCall: { name: call.name, args: call.args } };
    if (index === 0) part['thoughtSignature'] = mockThoughtSignature(identity.responseId);
    return part;
  });
}

/** A candidate as Gemini sends it: no `content` at all when there are no parts (a filtered answer). */
export function candidate(parts: Array<Record<string, unknown>>, finishReason?: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (parts.length > 0) result['content'] = { parts, role: 'model' };
  if (finishReason !== undefined) result['finishReason'] = finishReason;
  result['index'] = 0;
  if (finishReason === 'SAFETY') {
    result['safetyRatings'] = [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }];
  }
  return result;
}
