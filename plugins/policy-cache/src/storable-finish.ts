import type { FinishReason } from '@switchyard/core';

/**
 * Whether an answer that ended so is complete enough to store: the model stopped, used its
 * token limit, called tools, or was filtered, as the same request would be again. Not an
 * `error`, nor `other`: a word the gateway does not know (DeepSeek's
 * `insufficient_system_resource`, vLLM's `abort`) may be a generation the upstream cut,
 * which replayed for the whole ttl would outlive the upstream's trouble.
 */
export function isStorableFinish(reason: FinishReason): boolean {
  const unified = reason.unified;
  return unified === 'stop' || unified === 'length' || unified === 'tool-calls' || unified === 'content-filter';
}
