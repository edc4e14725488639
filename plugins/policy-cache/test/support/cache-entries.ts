import type { CacheEntry } from '../../src/index.js';

/**
 * A stored whole chat answer of `text`, as the cache step writes one. `usage` adds the
 * entry's own usage beside the answer's (entries written before usage lived in the answer).
 */
export function textEntry(text: string, { storedAt = 1, usage = false }: { storedAt?: number; usage?: boolean } = {}): CacheEntry {
  return {
    v: 1,
    result: {
      kind: 'chat-response',
      response: { id: 'r', model: 'm', created: 1, content: [{ type: 'text', text }], finishReason: { unified: 'stop' }, usage: { inputTokens: 1, outputTokens: 2 } },
    },
    servedBy: { provider: 'openai', model: 'gpt-4o-mini' },
    ...(usage && { usage: { inputTokens: 1, outputTokens: 2 } }),
    storedAt,
  };
}
