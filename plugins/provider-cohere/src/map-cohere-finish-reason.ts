import type { FinishReason, UnifiedFinishReason } from '@switchyard/core';

const unifiedByReason: Record<string, UnifiedFinishReason> = {
  COMPLETE: 'stop',
  STOP_SEQUENCE: 'stop',
  MAX_TOKENS: 'length',
  TOOL_CALL: 'tool-calls',
  CONTENT_BLOCKED: 'content-filter',
  // The context limit cut the answer (Cohere's older value, still in the SDK's type): a truncation, not a failure.
  ERROR_LIMIT: 'length',
  ERROR_TOXIC: 'content-filter',
  // OpenAI has no word for these: its clients read `stop`, the raw value is kept.
  ERROR: 'error',
  TIMEOUT: 'error',
};

/**
 * Cohere `finish_reason` → unified. The wire sends upper case, but the TS SDK spells
 * some values lower case (`content_blocked`), so the match ignores case; the raw value is kept as sent.
 */
export function mapCohereFinishReason(reason: string | null | undefined): FinishReason {
  if (typeof reason !== 'string' || reason === '') return { unified: 'other' };
  return { unified: unifiedByReason[reason.toUpperCase()] ?? 'other', raw: reason };
}
