import type { FinishReason, UnifiedFinishReason } from '@switchyard/core';

const unifiedReasons: Record<string, UnifiedFinishReason> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content-filter',
  RECITATION: 'content-filter',
  BLOCKLIST: 'content-filter',
  PROHIBITED_CONTENT: 'content-filter',
  SPII: 'content-filter',
  IMAGE_SAFETY: 'content-filter',
  IMAGE_PROHIBITED_CONTENT: 'content-filter',
  IMAGE_RECITATION: 'content-filter',
  // The answer was flagged for an unsupported language: withheld by a filter, not finished by the model.
  LANGUAGE: 'content-filter',
  // The model tried a call and got it wrong: the answer is not usable as it stands.
  MALFORMED_FUNCTION_CALL: 'error',
  UNEXPECTED_TOOL_CALL: 'error',
  TOO_MANY_TOOL_CALLS: 'error',
};

/**
 * Gemini `finishReason` → unified. Gemini has no finish reason of its own for tool
 * calls: a turn that called functions ends with `STOP`, so `hasToolCalls` decides.
 * `OTHER` and values newer than this table are `other`, raw kept. An OpenAI client
 * reads `error` and `other` as `stop` (OpenAI has no word for them).
 */
export function mapGeminiFinishReason(raw: string, hasToolCalls: boolean): FinishReason {
  // Own keys only: a `finishReason` of `toString` or `__proto__` must not read Object.prototype.
  const unified = Object.hasOwn(unifiedReasons, raw) ? unifiedReasons[raw]! : 'other';
  return { unified: unified === 'stop' && hasToolCalls ? 'tool-calls' : unified, raw };
}
