import type { AssistantContentPart, ChatResponse, StreamPart } from '@switchyard/core';
import type { CachedResult, CacheEntry } from './cache-entry.js';
import { copyJson } from './copy-json.js';

/**
 * A deep copy of a parsed entry, as `copyJson` makes it, but with a chat answer
 * copied by its known shape: every hit copies its answer, and a spread of a small
 * object is several times faster (and smaller) than copying it member by member.
 */
export function copyEntry(entry: CacheEntry): CacheEntry {
  const copy: CacheEntry = { ...entry, result: copyResult(entry.result), servedBy: copyJson(entry.servedBy) };
  if (entry.usage) copy.usage = { ...entry.usage };
  return copy;
}

function copyResult(result: CachedResult): CachedResult {
  if (result.kind === 'chat-response') return { ...result, response: copyChatResponse(result.response) };
  if (result.kind !== 'chat-stream') return copyJson(result);
  const parts = new Array<StreamPart>(result.parts.length);
  for (let index = 0; index < parts.length; index++) parts[index] = copyStreamPart(result.parts[index]!);
  return { ...result, parts };
}

/**
 * A deep copy of one part. A spread copies every member of the part (a `__proto__`
 * member as data, as `JSON.parse` made it); the members that hold objects are copied
 * again. A part of a type this does not know is copied member by member.
 */
export function copyStreamPart(part: StreamPart): StreamPart {
  switch (part.type) {
    case 'text-delta':
    case 'reasoning-delta':
    case 'reasoning-signature':
    case 'reasoning-redacted':
    case 'refusal-delta':
    case 'tool-call-start':
    case 'tool-call-delta':
      return { ...part };
    case 'stream-start':
      return part.providerMetadata ? { ...part, providerMetadata: copyJson(part.providerMetadata) } : { ...part };
    case 'finish':
      return { ...part, finishReason: { ...part.finishReason } };
    case 'usage':
      return { ...part, usage: { ...part.usage } };
    default:
      return copyJson(part);
  }
}

/** A deep copy of a whole response; its content parts hold strings only, unless of a type this does not know. */
export function copyChatResponse(response: ChatResponse): ChatResponse {
  const content = new Array<AssistantContentPart>(response.content.length);
  for (let index = 0; index < content.length; index++) content[index] = copyContentPart(response.content[index]!);
  const copy: ChatResponse = { ...response, content, finishReason: { ...response.finishReason }, usage: { ...response.usage } };
  if (response.providerMetadata) copy.providerMetadata = copyJson(response.providerMetadata);
  return copy;
}

function copyContentPart(part: AssistantContentPart): AssistantContentPart {
  switch (part.type) {
    case 'text':
    case 'reasoning':
    case 'refusal':
    case 'tool-call':
      return { ...part };
    default:
      return copyJson(part);
  }
}
