import type { ChatResponse, StreamPart, Usage } from '@switchyard/core';

/** Every part of a provider stream, in order. */
export async function collectParts(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const all: StreamPart[] = [];
  for await (const part of parts) all.push(part);
  return all;
}

/** The text of a whole response. */
export function responseText(response: ChatResponse): string {
  return response.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/** The text of a stream, its deltas joined. */
export function streamedText(parts: readonly StreamPart[]): string {
  return parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
}

/** The last usage a stream reported (the one that counts). */
export function lastUsage(parts: readonly StreamPart[]): Usage | undefined {
  return parts.flatMap((part) => (part.type === 'usage' ? [part.usage] : [])).at(-1);
}
