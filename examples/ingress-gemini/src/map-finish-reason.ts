import type { FinishReason } from '@switchyard/core';

/**
 * A unified finish reason as Gemini names it. Gemini has no reason of its own for
 * tool calls: a turn that calls functions ends with `STOP`, and its clients look at
 * the parts.
 */
export function mapFinishReason(finish: FinishReason): string {
  switch (finish.unified) {
    case 'stop':
    case 'tool-calls':
      return 'STOP';
    case 'length':
      return 'MAX_TOKENS';
    case 'content-filter':
      return 'SAFETY';
    default:
      return 'OTHER';
  }
}
