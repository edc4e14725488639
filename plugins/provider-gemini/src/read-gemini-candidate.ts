import { isJsonObject } from '@switchyard/core';
import type { GeminiCandidate, GeminiGenerateContentResponse } from './gemini-wire-types.js';

/**
 * A part of a Gemini answer as the adapter reads it: only text where text belongs.
 * A function call has a name that is text and its `args` as JSON text; a thought
 * signature that is not text is none.
 */
export type GeminiPartReading =
  | { type: 'text'; text: string; thought: boolean; signature: string | undefined }
  | { type: 'call'; name: string; id: string | undefined; arguments: string; signature: string | undefined };

/** The first candidate of an answer (or stream event) and its parts, or undefined when it has none that is an object. */
export interface GeminiCandidateReading {
  candidate: GeminiCandidate;
  parts: GeminiPartReading[];
}

type Json = Record<string, unknown>;


/**
 * Reads the first candidate of a `GenerateContentResponse`, keeping only what is of
 * its type: `candidates` and `parts` that are lists, parts that are objects, text that
 * is a non-empty string, a call named by a string. What is not is left out, never
 * passed on: a text of 12345 or {} (it reached the client as a number or an object),
 * a part of `null` or `parts` of `{}` (a 500, or a stream broken off), a call named
 * 5, a `thoughtSignature` of 5 (`Buffer.from` threw: a 500).
 */
export function readFirstCandidate(response: GeminiGenerateContentResponse): GeminiCandidateReading | undefined {
  const candidate: unknown = Array.isArray(response.candidates) ? response.candidates[0] : undefined;
  if (!isJsonObject(candidate)) return undefined;
  const content = candidate['content'];
  const wireParts = isJsonObject(content) && Array.isArray(content['parts']) ? content['parts'] : [];
  const parts: GeminiPartReading[] = [];
  for (const part of wireParts) {
    const reading = readPart(part);
    if (reading) parts.push(reading);
  }
  return { candidate: candidate as GeminiCandidate, parts };
}

function readPart(part: unknown): GeminiPartReading | undefined {
  if (!isJsonObject(part)) return undefined;
  const signature = typeof part['thoughtSignature'] === 'string' && part['thoughtSignature'] !== '' ? part['thoughtSignature'] : undefined;
  const call = part['functionCall'];
  if (isJsonObject(call) && typeof call['name'] === 'string') {
    const id = typeof call['id'] === 'string' ? call['id'] : undefined;
    return { type: 'call', name: call['name'], id, arguments: argumentsText(call['args']), signature };
  }
  const text = part['text'];
  if (typeof text === 'string' && text !== '') return { type: 'text', text, thought: part['thought'] === true, signature };
  return undefined;
}

/**
 * A call's `args` as JSON text: the object written as text; none is `{}` (a function
 * without parameters); text is taken as the JSON text it should hold (the tolerant
 * reading); anything else (a number, a list) is no arguments, never `"5"` or `"[1]"`.
 */
function argumentsText(args: unknown): string {
  if (isJsonObject(args)) return JSON.stringify(args);
  if (args === undefined || args === null) return '{}';
  return typeof args === 'string' ? args : '';
}
