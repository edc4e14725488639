import { jsonIndexPattern, jsonStringPattern, maxMatchedEventLength } from '../../transport/json-text-patterns.js';
import { isJsonObject, nonEmptyText } from '../../transport/upstream-wire-values.js';
import { retypeChoices } from './retype-choices.js';

type Json = Record<string, unknown>;

/**
 * A streamed tool call's index as the upstream numbered it, or its place in the delta
 * when it gave none a list could use (`"0"`, `-1`, `0.5`). The openai provider's stream
 * decoder and the fast path's encoder both go by it, so both paths number a call alike.
 */
export function openAIToolCallIndex(value: unknown, position: number): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : position;
}

/**
 * A whole answer's tool call `arguments` as JSON text: as sent, or written as text when a
 * compatible server sent them as an object (the tolerant reading); anything else is none.
 */
export function openAIToolCallArguments(value: unknown): string {
  if (typeof value === 'string') return value;
  return isJsonObject(value) ? JSON.stringify(value) : '';
}

const toolCallsKey = /"tool_calls"\s*:/;

/** The piece of arguments most tool-call chunks carry, as OpenAI writes it (the openai provider's token-chunk.ts reads the same). */
const argumentsPiece = new RegExp(String.raw`^"tool_calls":\[\{"index":${jsonIndexPattern},"function":\{"arguments":${jsonStringPattern}\}\}\]`);

/**
 * What may hold a tool call field of the wrong type, found in a chunk's raw text: a
 * `tool_calls` key whose value is not the one piece of arguments OpenAI streams most
 * (`[{"index":0,"function":{"arguments":"…"}}]`), or a second one. A call's start (its
 * id and name) is one event per call and always read; a false alarm costs a parse. A
 * key spelled with `\u` escapes is caught by mayHoldMistypedOpenAIText. Used by the
 * lazy tap to read such an event and by the fast path's encoder to write it again.
 */
export function mayHoldMistypedOpenAIToolCall(data: string): boolean {
  const found = toolCallsKey.exec(data);
  if (!found) return false;
  if (data.length > maxMatchedEventLength) return true;
  if (!argumentsPiece.test(data.slice(found.index))) return true;
  return toolCallsKey.test(data.slice(found.index + found[0].length));
}

const dropped = Symbol('dropped');

/**
 * A custom tool's call (GPT-5's free-form tools), which only a request holding custom tools
 * gets, and only on the fast path (the parser refuses to translate one): passed on as it
 * came. A whole answer's is openai-node's ChatCompletionMessageCustomToolCall
 * (`{ id, type: 'custom', custom: { name, input } }`); a stream's first delta of one is
 * `{ index, id, type: 'custom', custom: { name, input } }` and the next carry pieces of
 * `custom.input` (openai-node's ChatCompletionChunk.Choice.Delta.ToolCall: `type` and
 * `custom` optional; that later deltas name no type is not confirmed by the types), so a
 * delta holding a `custom` object and no `function` is one.
 */
function isCustomStreamCall(call: Json): boolean {
  return call['type'] === 'custom' || (isJsonObject(call['custom']) && call['function'] === undefined && (call['type'] === undefined || call['type'] === 'custom'));
}

/**
 * A delta's tool call as the translated path writes it (the openai provider's stream
 * decoder, then the chat chunk encoder): not an object, left out; the index a list can
 * use; the id, type and name only when the call starts here (an id that is text and a
 * name that is text: otherwise the translated path writes no start, so neither are
 * they written); arguments when text, an object as its JSON text. The call itself when
 * nothing changes.
 */
function typedStreamCall(call: unknown, position: number): unknown {
  if (!isJsonObject(call)) return dropped;
  const index = openAIToolCallIndex(call['index'], position);
  if (isCustomStreamCall(call)) return call['index'] === index ? call : { ...call, index };
  const fn = isJsonObject(call['function']) ? call['function'] : undefined;
  const starts = nonEmptyText(call['id']) !== undefined && typeof fn?.['name'] === 'string';
  const typeFine = call['type'] === undefined || call['type'] === 'function';
  const functionFine = fn === undefined ? call['function'] === undefined : fn['arguments'] === undefined || typeof fn['arguments'] === 'string';
  const startFine = starts || (call['id'] === undefined && fn?.['name'] === undefined);
  if (call['index'] === index && typeFine && functionFine && startFine) return call;
  const typed: Json = { ...call, index };
  if (!starts) delete typed['id'];
  if (!typeFine) {
    if (starts) typed['type'] = 'function';
    else delete typed['type'];
  }
  if (fn === undefined) {
    delete typed['function'];
    return typed;
  }
  const typedFunction: Json = { ...fn };
  if (!starts) delete typedFunction['name'];
  if (typeof typedFunction['arguments'] !== 'string') {
    // An object is its JSON text, as the stream decoders read it (some compatible servers send one); anything else is left out.
    const text = openAIToolCallArguments(typedFunction['arguments']);
    if (text) typedFunction['arguments'] = text;
    else delete typedFunction['arguments'];
  }
  typed['function'] = typedFunction;
  return typed;
}

/**
 * A whole answer's tool call as the translated path writes it (the openai provider's
 * parseChatCompletion, then formatChatCompletion): left out without a function
 * object holding a name; the id text (`''` when it is not), the type `function`, the
 * arguments text (an object as its JSON, else `''`).
 */
function typedAnswerCall(call: unknown): unknown {
  if (isJsonObject(call) && call['type'] === 'custom' && isJsonObject(call['custom'])) return call;
  if (!isJsonObject(call) || !isJsonObject(call['function']) || typeof call['function']['name'] !== 'string') return dropped;
  const fn = call['function'];
  if (typeof call['id'] === 'string' && call['type'] === 'function' && typeof fn['arguments'] === 'string') return call;
  return {
    ...call,
    id: typeof call['id'] === 'string' ? call['id'] : '',
    type: 'function',
    function: { ...fn, arguments: openAIToolCallArguments(fn['arguments']) },
  };
}

/** The calls, each typed; undefined when none changed. */
function typedCalls(calls: readonly unknown[], typed: (call: unknown, position: number) => unknown): unknown[] | undefined {
  let written: unknown[] | undefined;
  for (let position = 0; position < calls.length; position++) {
    const call = calls[position];
    const result = typed(call, position);
    if (result === call && written === undefined) continue;
    written ??= calls.slice(0, position);
    if (result !== dropped) written.push(result);
  }
  return written;
}

/**
 * The fast path's `choices` (of a stream chunk, `key` `delta`, or a whole answer,
 * `message`) with every tool call written as the translated path writes it: a field of
 * the wrong type (an id or index that is a number or a string, arguments that are a
 * number or an object, a name that is not text) reached the client as it came, where
 * an official client's types promise strings and application code joined `5` into the
 * arguments. `tool_calls` that is not a list is left out (the translated path reads
 * none from it), and so is a whole answer's list left empty. A custom tool's call passes
 * as it came (isCustomStreamCall; a stream's with its index typed). Undefined when nothing
 * changes, so the upstream's bytes can go out as they came.
 */
export function withOpenAIToolCallsTyped(choices: readonly unknown[], key: 'delta' | 'message'): unknown[] | undefined {
  return retypeChoices(choices, key, (holder) => {
    const calls = holder['tool_calls'];
    if (calls === undefined || calls === null) return undefined;
    const typed = Array.isArray(calls) ? typedCalls(calls, key === 'delta' ? typedStreamCall : typedAnswerCall) : [];
    if (typed === undefined) return undefined;
    const typedHolder: Json = { ...holder, tool_calls: typed };
    if (!Array.isArray(calls) || (key === 'message' && typed.length === 0)) delete typedHolder['tool_calls'];
    return typedHolder;
  });
}
