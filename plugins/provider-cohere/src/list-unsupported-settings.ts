import type { ChatRequest } from '@switchyard/core';

/**
 * Canonical settings Cohere's Chat API has no field for, which {@link buildCohereChatBody}
 * therefore leaves out. The adapter logs them as a warning.
 */
export function listUnsupportedSettings(request: ChatRequest): string[] {
  const unsupported: string[] = [];
  if (request.parallelToolCalls === false) unsupported.push('parallelToolCalls');
  if (request.candidateCount !== undefined && request.candidateCount !== 1) unsupported.push('candidateCount');
  // Thinking is set with providerOptions.cohere.thinking, which takes a token budget an effort level lacks.
  if (request.reasoningEffort !== undefined) unsupported.push('reasoningEffort');
  return unsupported;
}
