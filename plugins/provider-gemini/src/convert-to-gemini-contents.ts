import { GatewayError, parseUpstreamJson, type AssistantMessage, type ChatMessage, type UserMessage, isJsonObject } from '@switchyard/core';
import { convertImagePart } from './convert-image-part.js';
import type { GeminiContent, GeminiPart } from './gemini-wire-types.js';
import { readThoughtSignature } from './read-thought-signature.js';

/** The conversation in Gemini's shape: the system prompt apart, then alternating turns. */
export interface GeminiConversation {
  systemInstruction?: { parts: Array<{ text: string }> };
  contents: GeminiContent[];
}

interface CallSite {
  name: string;
  turn: GeminiContent;
}

/**
 * The calls of one id in the latest turn that made it, and how many results have
 * answered them. Ids are unique in a sane conversation, but a client may give parallel
 * calls one id: their results are taken in order (each under its own call's name, as
 * Gemini matches results to calls by name and order), a further result answering the
 * last call. A later turn's call of the id starts over.
 */
interface CallsOfId {
  sites: CallSite[];
  answered: number;
}

/**
 * Canonical messages → Gemini `systemInstruction` and `contents`.
 *
 * - System (and developer) messages are hoisted into `systemInstruction`, wherever they stood.
 * - `assistant` is `model`; tool calls become `functionCall` parts (arguments parsed:
 *   Gemini wants an object), with the thought signature their id carries.
 * - Tool results become `functionResponse` parts of a `user` turn placed right after
 *   the model turn that made the call. Gemini has no call ids, so the function name
 *   is looked up from the call in the history.
 * - Consecutive turns of one role are merged: Gemini wants them alternating.
 */
export function convertToGeminiContents(messages: ChatMessage[]): GeminiConversation {
  const system: Array<{ text: string }> = [];
  const turns: GeminiContent[] = [];
  const calls = new Map<string, CallsOfId>();
  const responseTurns = new Map<GeminiContent, GeminiContent>();

  messages.forEach((message, index) => {
    switch (message.role) {
      case 'system':
        if (message.content !== '') system.push({ text: message.content });
        return;
      case 'user':
        turns.push({ role: 'user', parts: userParts(message, index) });
        return;
      case 'assistant': {
        const turn: GeminiContent = { role: 'model', parts: [] };
        turn.parts = modelParts(message, index, (id, name) => {
          const known = calls.get(id);
          if (known && known.sites[0]!.turn === turn) known.sites.push({ name, turn });
          else calls.set(id, { sites: [{ name, turn }], answered: 0 });
        });
        turns.push(turn);
        return;
      }
      case 'tool': {
        const callsOfId = calls.get(message.toolCallId);
        if (!callsOfId) {
          throw new GatewayError(
            'invalid_request',
            // Not repeated: a history's ids may be 64 KB (docs/limits.md).
            `messages[${index}] answers a tool call (its tool_call_id) that no earlier assistant message made.`,
            { param: `messages[${index}].tool_call_id` },
          );
        }
        const call = callsOfId.sites[Math.min(callsOfId.answered++, callsOfId.sites.length - 1)]!;
        let responseTurn = responseTurns.get(call.turn);
        if (!responseTurn) {
          responseTurn = { role: 'user', parts: [] };
          turns.splice(turns.indexOf(call.turn) + 1, 0, responseTurn);
          responseTurns.set(call.turn, responseTurn);
        }
        responseTurn.parts.push({ functionResponse: { name: call.name, response: toolResponse(message.content) } });
        return;
      }
    }
  });

  const conversation: GeminiConversation = { contents: mergeTurns(turns) };
  if (system.length > 0) conversation.systemInstruction = { parts: system };
  return conversation;
}

function userParts(message: UserMessage, index: number): GeminiPart[] {
  const parts: GeminiPart[] = [];
  message.content.forEach((part, partIndex) => {
    if (part.type === 'text') {
      // Gemini refuses an empty text part.
      if (part.text !== '') parts.push({ text: part.text });
    } else {
      parts.push(convertImagePart(part.source, `messages[${index}].content[${partIndex}].image_url.url`));
    }
  });
  return parts;
}

function modelParts(message: AssistantMessage, index: number, onCall: (id: string, name: string) => void): GeminiPart[] {
  const parts: GeminiPart[] = [];
  let callIndex = 0;
  for (const part of message.content) {
    if ((part.type === 'text' || part.type === 'refusal') && part.text !== '') parts.push({ text: part.text });
    else if (part.type === 'tool-call') {
      const functionCall = { name: part.name, args: parseArguments(part.arguments, `messages[${index}].tool_calls[${callIndex}].function.arguments`) };
      const signature = readThoughtSignature(part.id);
      parts.push(signature ? { functionCall, thoughtSignature: signature } : { functionCall });
      onCall(part.id, part.name);
      callIndex += 1;
    }
    // Reasoning is not sent back: Gemini's thoughts are summaries, not input.
  }
  return parts;
}

function parseArguments(text: string, param: string): Record<string, unknown> {
  // Some clients send "" for a call without arguments.
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    // Bounded as an upstream's JSON is: the ingress's depth limit does not look inside strings, and
    // arguments 20,000 levels deep overflowed the stack when the request was written (a 500).
    parsed = parseUpstreamJson(text);
  } catch {
    throw new GatewayError('invalid_request', `${param} is not valid JSON; Gemini needs the arguments as a JSON object.`, { param });
  }
  if (!isJsonObject(parsed)) throw new GatewayError('invalid_request', `${param} must be a JSON object for Gemini.`, { param });
  return parsed;
}

/** Gemini wants `response` to be an object: JSON objects go as they are, anything else is wrapped. */
function toolResponse(content: string): Record<string, unknown> {
  try {
    const parsed: unknown = parseUpstreamJson(content);
    if (isJsonObject(parsed)) return parsed;
  } catch {
    // Plain text, wrapped below.
  }
  return { content };
}

function mergeTurns(turns: GeminiContent[]): GeminiContent[] {
  const merged: GeminiContent[] = [];
  for (const turn of turns) {
    if (turn.parts.length === 0) continue;
    const previous = merged.at(-1);
    if (previous?.role === turn.role) previous.parts.push(...turn.parts);
    else merged.push({ role: turn.role, parts: [...turn.parts] });
  }
  return merged;
}
