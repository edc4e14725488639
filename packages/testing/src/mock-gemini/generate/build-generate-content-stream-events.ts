import { estimateTokens } from '../../mock-server/estimate-tokens.js';
import { toGeminiJson } from '../to-gemini-json.js';
import { candidate, functionCallParts, usageMetadata, type GeminiReplyIdentity } from './gemini-reply-pieces.js';
import type { PlannedGeminiReply } from './plan-gemini-reply.js';

/** Text is sent in at most this many chunks, a few words each, as Gemini does. */
const textChunks = 3;

/**
 * The `alt=sse` events of a streamed reply, shaped like `stream.txt`: each a whole
 * `GenerateContentResponse` spaced as Gemini spaces it and ended by CRLF CRLF; a
 * thought first, then the text over several chunks each with running usage, then
 * every function call whole in one last chunk with the finish reason and the final
 * usage. No `[DONE]`: the stream ends when the connection does.
 */
export function buildGenerateContentStreamEvents(identity: GeminiReplyIdentity, reply: PlannedGeminiReply): string[] {
  const chunks: Array<{ parts: Array<Record<string, unknown>>; candidates: number }> = [];
  if (reply.thought) chunks.push({ parts: [{ text: reply.thought, thought: true }], candidates: 0 });
  let soFar = '';
  for (const piece of splitText(reply.text ?? '')) {
    soFar += piece;
    chunks.push({ parts: [{ text: piece }], candidates: Math.min(reply.usage.candidatesTokenCount, estimateTokens(soFar)) });
  }
  const calls = functionCallParts(reply, identity);
  if (calls.length > 0 || chunks.length === 0) chunks.push({ parts: calls, candidates: reply.usage.candidatesTokenCount });
  chunks.at(-1)!.candidates = reply.usage.candidatesTokenCount;

  return chunks.map((chunk, index) => {
    const last = index === chunks.length - 1;
    const body = {
      candidates: [candidate(chunk.parts, last ? reply.finishReason : undefined)],
      usageMetadata: usageMetadata(reply.usage, chunk.candidates),
      modelVersion: identity.modelVersion,
      responseId: identity.responseId,
    };
    return `data: ${toGeminiJson(body)}\r\n\r\n`;
  });
}

// Whole words with their leading space, in up to `textChunks` pieces.
function splitText(text: string): string[] {
  const words = text.match(/\s*\S+|\s+$/g) ?? [];
  if (words.length === 0) return [];
  const size = Math.ceil(words.length / textChunks);
  const pieces: string[] = [];
  for (let start = 0; start < words.length; start += size) pieces.push(words.slice(start, start + size).join(''));
  return pieces;
}
