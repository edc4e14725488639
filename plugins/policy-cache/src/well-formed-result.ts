import { checkedDirectAnswer, checkedDirectEmbeddings, checkedDirectPart, type StreamPart } from '@switchyard/core';
import { isStorableFinish } from './storable-finish.js';

/**
 * Whether a stored answer read back from a store is one the cache step could have written:
 * typed as a provider's answer is checked (check-direct-answer), with whole usage counts,
 * and, for a chat answer, ending in a reason the step stores. A value corrupted or forged
 * in a shared Redis (a stream with no finish, a delta of 5, a response without its finish
 * reason or usage) was replayed as a HIT: a stream no client saw end, `"content":5`, an
 * answer without `finish_reason`. Checked when a value is parsed, not on a parsed copy's hit.
 */
export function isWellFormedResult(result: { kind: string; response?: unknown; parts?: unknown }): boolean {
  try {
    switch (result.kind) {
      case 'chat-response': {
        const response = checkedDirectAnswer(result.response, 'cache');
        return isStorableFinish(response.finishReason) && isWholeUsage(response.usage);
      }
      case 'chat-stream':
        return Array.isArray(result.parts) && areStoredParts(result.parts);
      // Base64 vectors checked finite too: an entry answers float clients.
      case 'embeddings':
        return checkedDirectEmbeddings(result.response, 'cache').usage !== undefined;
      default:
        return false;
    }
  } catch {
    return false;
  }
}

/** Every part well-formed (checkedDirectPart gives a well-formed part back as it is) and a storable finish among them. */
function areStoredParts(parts: readonly unknown[]): boolean {
  let finished = false;
  for (const part of parts) {
    if (checkedDirectPart(part, 'cache') !== part) return false;
    if ((part as StreamPart).type === 'finish') finished = isStorableFinish((part as Extract<StreamPart, { type: 'finish' }>).finishReason);
  }
  return finished;
}

function isWholeUsage(usage: unknown): boolean {
  const part = { type: 'usage', usage };
  return checkedDirectPart(part, 'cache') === part;
}
