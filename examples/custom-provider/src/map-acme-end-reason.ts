import type { FinishReason } from '@switchyard/core';

/** Acme's `ended_because` → the unified finish reason, the raw value kept. */
export function mapAcmeEndReason(raw: string | undefined): FinishReason {
  const unified = raw === 'done' || raw === 'halted' ? 'stop' : raw === 'max_len' ? 'length' : 'other';
  return { unified, ...(raw !== undefined && { raw }) };
}
