import type { ChatResponse, StreamPart } from '@switchyard/core';

/**
 * A whole response as the parts a stream of it would have had, so a streaming
 * client can be served from an entry a non-streaming request stored: text,
 * reasoning and refusals in word-sized deltas, each tool call as a start and its
 * arguments, then the finish and the usage. Concatenating the deltas gives back
 * exactly the response's content.
 */
export function responseToStreamParts(response: ChatResponse): StreamPart[] {
  const parts: StreamPart[] = [
    {
      type: 'stream-start',
      id: response.id,
      model: response.model,
      created: response.created,
      ...(response.providerMetadata && { providerMetadata: response.providerMetadata }),
    },
  ];
  let toolIndex = 0;
  for (const content of response.content) {
    switch (content.type) {
      case 'text':
        for (const delta of splitAtWords(content.text)) parts.push({ type: 'text-delta', delta });
        break;
      case 'reasoning':
        if (content.redactedData !== undefined) {
          parts.push({ type: 'reasoning-redacted', data: content.redactedData });
          break;
        }
        for (const delta of splitAtWords(content.text)) parts.push({ type: 'reasoning-delta', delta });
        if (content.signature !== undefined) parts.push({ type: 'reasoning-signature', signature: content.signature });
        break;
      case 'refusal':
        for (const delta of splitAtWords(content.text)) parts.push({ type: 'refusal-delta', delta });
        break;
      case 'tool-call': {
        const index = toolIndex++;
        parts.push({ type: 'tool-call-start', index, id: content.id, name: content.name });
        if (content.arguments) parts.push({ type: 'tool-call-delta', index, argumentsDelta: content.arguments });
        break;
      }
    }
  }
  parts.push({ type: 'finish', finishReason: response.finishReason });
  parts.push({ type: 'usage', usage: response.usage });
  return parts;
}

/**
 * `"Hello, big world"` → `["Hello, ", "big ", "world"]`; whitespace stays with the word
 * before it. Self-contained (its test runs it on its own).
 */
export function splitAtWords(text: string): string[] {
  if (text === '') return [];
  // Whitespace alone is one piece, found in one pass. The word pattern would try it from
  // every position to the end: 80 KB of spaces (an answer a model sent) took 5 s to serve.
  if (!/\S/.test(text)) return [text];
  // With a word in it every try succeeds, each starting where the last one ended.
  return text.match(/\s*\S+\s*/g)!;
}
