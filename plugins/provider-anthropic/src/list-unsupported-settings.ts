import type { ChatRequest } from '@switchyard/core';

/**
 * Canonical settings the Messages API has no field for, which {@link buildMessagesBody}
 * therefore leaves out. The chat adapter has no logger, so callers that want to warn
 * (the adapter step, a conformance test) ask here.
 */
export function listUnsupportedSettings(request: ChatRequest): string[] {
  const unsupported: string[] = [];
  if (request.frequencyPenalty !== undefined) unsupported.push('frequencyPenalty');
  if (request.presencePenalty !== undefined) unsupported.push('presencePenalty');
  if (request.seed !== undefined) unsupported.push('seed');
  if (request.candidateCount !== undefined && request.candidateCount !== 1) unsupported.push('candidateCount');
  // Thinking is set with providerOptions.anthropic.thinking, which carries the token budget an effort level lacks.
  if (request.reasoningEffort !== undefined) unsupported.push('reasoningEffort');
  return unsupported;
}
