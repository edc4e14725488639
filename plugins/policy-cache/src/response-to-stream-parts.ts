import type { ChatResponse, StreamPart } from '@switchyard/core';

/**
 * A whole response as the parts a stream of it would have had, so a streaming
 * client can be served from an entry a non-streaming request stored: text,
 * reasoning and refusals in word-sized deltas, each tool call as a start and its
 * arguments, then the finish and the usage. Concatenating the deltas gives back
 * exactly the response's content.
 *
 * With `deltas` (a stored stream's, from streamPartsToResponse), each content part is
 * cut where its stream's deltas were instead; a part whose lengths do not add up to its
 * text (an entry forged in a shared store) is cut as without them.
 */
export function responseToStreamParts(response: ChatResponse, deltas?: readonly unknown[]): StreamPart[] {
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
  for (let at = 0; at < response.content.length; at++) {
    const content = response.content[at]!;
    const cuts = deltas?.[at];
    switch (content.type) {
      case 'text':
        for (const delta of piecesOf(content.text, cuts)) parts.push({ type: 'text-delta', delta });
        break;
      case 'reasoning':
        if (content.redactedData !== undefined) {
          parts.push({ type: 'reasoning-redacted', data: content.redactedData });
          break;
        }
        for (const delta of piecesOf(content.text, cuts)) parts.push({ type: 'reasoning-delta', delta });
        if (content.signature !== undefined) parts.push({ type: 'reasoning-signature', signature: content.signature });
        break;
      case 'refusal':
        for (const delta of piecesOf(content.text, cuts)) parts.push({ type: 'refusal-delta', delta });
        break;
      case 'tool-call': {
        const index = toolIndex++;
        parts.push({ type: 'tool-call-start', index, id: content.id, name: content.name });
        const pieces = cutAt(content.arguments, cuts) ?? (content.arguments ? [content.arguments] : []);
        for (const argumentsDelta of pieces) parts.push({ type: 'tool-call-delta', index, argumentsDelta });
        break;
      }
    }
  }
  parts.push({ type: 'finish', finishReason: response.finishReason });
  parts.push({ type: 'usage', usage: response.usage });
  return parts;
}

/** `text` cut at the stored lengths of its deltas when they add up to it, else at its words. */
function piecesOf(text: string, cuts: unknown): string[] {
  return cutAt(text, cuts) ?? splitAtWords(text);
}

/**
 * `text` in pieces of the lengths in `cuts`, or undefined unless they are counts from 1 up adding
 * up to its length: so never more pieces than characters, whatever a forged entry lists.
 */
function cutAt(text: string, cuts: unknown): string[] | undefined {
  if (!Array.isArray(cuts) || cuts.length > text.length) return undefined;
  const pieces = new Array<string>(cuts.length);
  let from = 0;
  for (let index = 0; index < cuts.length; index++) {
    const length: unknown = cuts[index];
    if (!Number.isSafeInteger(length) || (length as number) < 1 || from + (length as number) > text.length) return undefined;
    pieces[index] = text.slice(from, (from += length as number));
  }
  return from === text.length ? pieces : undefined;
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
