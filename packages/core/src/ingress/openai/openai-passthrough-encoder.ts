import type { FinishReason } from '../../canonical/chat-response.js';
import { emptyUsage, type Usage } from '../../canonical/usage.js';
import type { GatewayError } from '../../errors/gateway-error.js';
import type { PassthroughEvent } from '../../plugin/provider-types.js';
import { parseUpstreamJson } from '../../transport/parse-upstream-json.js';
import type { PassthroughStreamEncoder, SseEvent, StreamEncoderOptions } from '../ingress-dialect.js';
import { billedOpenAIUsage } from './billed-openai-usage.js';
import { isOpenAIFinishReason, withOpenAIFinishReasons } from './openai-finish-reason.js';
import { mayHoldMistypedOpenAIText, withOpenAITextFieldsTyped } from './openai-text-fields.js';
import { mayHoldMistypedOpenAIToolCall, openAIToolCallIndex, withOpenAIToolCallsTyped } from './openai-tool-call-fields.js';
import { toOpenAIUsage } from './openai-usage.js';
import { isUnixSeconds } from './chat-chunk-encoder.js';
import { isJsonObject } from '../../transport/upstream-wire-values.js';
import { escapedKeyPattern } from '../../transport/json-text-patterns.js';

type Json = Record<string, unknown>;

/**
 * Writes an OpenAI-compatible upstream's own `chat.completion.chunk` events to an
 * OpenAI client (the same-dialect fast path). Each event's data goes out as it
 * came, with the changes the translated path makes too:
 *
 * - `model` reads `provider/model`. The upstream's model string is learned from the
 *   first event (which the tap parsed) and swapped by exact substring: a JSON
 *   string's quotes are escaped, so `"model":"<name>"` with bare quotes can only be
 *   a key and its value. An event where it is not found verbatim (spaces, another
 *   model) is parsed and written again; one whose model is not a name (empty, null,
 *   a number, missing) gets the stream's own, as on the translated path.
 * - usage: the gateway always asks upstream for it; a client that did not ask gets
 *   no usage (a usage-only chunk is dropped, a finishing chunk carrying usage is
 *   written again without it). A client that asked reads the counts the gateway
 *   billed (a usage it could not read is not passed on), once, in the last usage chunk
 *   before `[DONE]` (an upstream's usage on every chunk is held back), and one whose upstream put
 *   usage elsewhere (Groq's `x_groq.usage`) or sent none gets a closing usage chunk,
 *   as on the translated path.
 * - a finish reason OpenAI does not define (vLLM's `abort`, DeepSeek's
 *   `insufficient_system_resource`, Mistral's `model_length`, any string a hostile
 *   upstream makes up) is written as the translated path writes it (`stop`, `length`
 *   for a preset's `model_length`): the tap read it from the event that carries it,
 *   which is then written again. A defined word goes out as it came, escaped or not.
 *   A `finish_reason` that is not a word (5, `""`, `true`, an object) is no finish to
 *   the tap, and the translated path writes `null` where it stood: so does this.
 * - a delta's text (`content`, `reasoning_content`, `reasoning`, `refusal`) that is
 *   neither text nor `null` (12345, `{}`) is written `null`, as the translated path
 *   drops it. The lazy tap reads such an event (its test looks for one), so only read
 *   events are looked at, by their raw text first (mayHoldMistypedOpenAIText).
 * - a tool call's field of the wrong type (an id of 42, arguments of 5 or `{}`, an index
 *   of `"0"`, an entry that is not an object) is written as the translated path writes
 *   the call (withOpenAIToolCallsTyped); found the same way (mayHoldMistypedOpenAIToolCall).
 *
 * What the translated path would write nothing for is not passed on either: an event
 * the tap read that is not a chunk (no `choices`: an error in a shape of its own,
 * which may quote the provider's key) and anything after the upstream's `[DONE]`.
 * An event whose data spans lines (multi-line `data:`) goes out on one line: written
 * as it came, each line after the first would be another field to the client's parser.
 *
 * The tap may have left an event unread (content only: passthrough-tap.ts); then its
 * parts are empty, which changes nothing here.
 */
export class OpenAIPassthroughEncoder implements PassthroughStreamEncoder {
  private readonly modelPrefix: string;
  private readonly includeUsage: boolean;
  private readonly billedUsage: (() => Usage | undefined) | undefined;
  private id: string;
  private model: string;
  private created = Math.floor(Date.now() / 1000);
  private modelNeedle: string | undefined;
  private modelReplacement = '';
  private usage: Usage | undefined;
  /** The usage chunk a client that asked is owed at the end: the last the upstream sent, its counts the billed ones. */
  private heldUsage: Json | undefined;
  private done = false;
  /** Each upstream choice index and the one the client reads (numbered), made when a chunk is written again. */
  private choiceIndices: Map<unknown, number> | undefined;
  /** Each tool call index the tap read a start with and the one the client reads (learnToolIndex). */
  private toolIndices: Map<number, number> | undefined;
  /** Whether a call was numbered out of order: then every chunk holding a tool call is written again. */
  private toolsRenumbered = false;

  constructor(options: StreamEncoderOptions) {
    this.id = `chatcmpl-${options.requestId}`;
    this.model = options.model;
    this.modelPrefix = options.modelPrefix;
    this.includeUsage = options.includeUsage;
    this.billedUsage = options.billedUsage;
  }

  encode({ event, parts, unread }: PassthroughEvent): readonly SseEvent[] {
    // `[DONE]` is written by finish(), after the usage chunk a client may still be owed.
    if (!event || this.done) return [];
    if (event.data === '[DONE]') {
      this.done = true;
      return [];
    }
    let billed: Usage | undefined;
    let finish: FinishReason | undefined;
    // Indexed: a for-of here kept an array iterator and its results per event on the heap.
    for (let index = 0; index < parts.length; index++) {
      const part = parts[index]!;
      if (part.type === 'stream-start') this.learn(part.id, part.model, part.created);
      else if (part.type === 'tool-call-start') this.learnToolIndex(part.index);
      else if (part.type === 'usage' && !part.partial) billed = this.usage = part.usage;
      else if (part.type === 'finish') finish = part.finishReason;
    }
    const data = oneLine(event.data);
    if (unread) return [this.withModel(data)];
    const undefinedFinish = finish !== undefined && finish.raw !== undefined && !isOpenAIFinishReason(finish.raw);
    if (billed !== undefined || undefinedFinish || mentionsUsage.test(data)) return this.rewritten(data, billed, finish);
    if (!data.includes('"choices"')) return [];
    // The tap read no finish from it, but it may hold a finish_reason that is not a word (5, "", true): written `null`, as the translated path writes it.
    // Or a text of the wrong type: written `null` too; or a tool call field of the wrong type.
    if ((finish === undefined && mayHoldFinishReason.test(data)) || mayHoldMistypedOpenAIText.test(data) || mayHoldMistypedOpenAIToolCall(data)) return [this.withChoicesTyped(data)];
    return [this.withModel(data)];
  }

  finish(): readonly SseEvent[] {
    if (!this.includeUsage) return ['[DONE]'];
    if (this.heldUsage) return [JSON.stringify(this.heldUsage), '[DONE]'];
    const chunk = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [],
      // Without a usage it could read, the gateway bills its estimate: the client reads that, not zeros.
      usage: toOpenAIUsage(this.billedUsage?.() ?? this.usage ?? emptyUsage()),
    };
    return [JSON.stringify(chunk), '[DONE]'];
  }

  fail(error: GatewayError): SseEvent {
    return JSON.stringify(error.toBody());
  }

  private learn(id: string, model: string, created: number): void {
    if (id) this.id = id;
    if (isUnixSeconds(created)) this.created = created;
    if (typeof model !== 'string' || !model) return;
    this.model = this.modelPrefix + model;
    this.modelNeedle = `"model":${JSON.stringify(model)}`;
    this.modelReplacement = `"model":${JSON.stringify(this.model)}`;
  }

  private withModel(data: string): string {
    const needle = this.modelNeedle;
    if (needle !== undefined && !this.mayNeedNumbers(data)) {
      const at = data.indexOf(needle);
      if (at >= 0) return data.slice(0, at) + this.modelReplacement + data.slice(at + needle.length);
    }
    const chunk = parseObject(data);
    // Only an event the lazy tap left unread can be unreadable here: like any such event, it goes out as it came.
    return chunk ? JSON.stringify(this.renamed(chunk)) : data;
  }

  /**
   * A read event that carries a usage, or a field by that name, written as the client
   * asked for it; or one whose finish reason OpenAI does not define (`finish`, as the tap
   * read it, or none read from a value that is not a word), written with the translated path's.
   */
  private rewritten(data: string, billed: Usage | undefined, finish: FinishReason | undefined): SseEvent[] {
    const chunk = parseObject(data);
    // The tap parsed it, so it parses; were it not so, a usage could not be taken out of it.
    if (!chunk) return [];
    if (Array.isArray(chunk['choices'])) {
      const finishes = withOpenAIFinishReasons(chunk['choices'], finish, false) ?? chunk['choices'];
      const texts = withOpenAITextFieldsTyped(finishes, 'delta') ?? finishes;
      chunk['choices'] = withOpenAIToolCallsTyped(texts, 'delta') ?? texts;
    }
    this.renamed(chunk);
    const usage = chunk['usage'];
    if (this.includeUsage && billed !== undefined && isJsonObject(usage)) {
      // Held to the end, as the translated path writes one usage there: an upstream that sends
      // one on every chunk (vLLM's continuous usage stats) sends counts so far, not those billed.
      const choices = chunk['choices'];
      const billedUsage = billedOpenAIUsage(usage, billed);
      if (!Array.isArray(choices) || choices.length === 0) {
        chunk['usage'] = billedUsage;
        this.heldUsage = chunk;
        return [];
      }
      this.heldUsage = { ...chunk, choices: [], usage: billedUsage };
      delete chunk['usage'];
      return [JSON.stringify(chunk)];
    }
    // Not asked for, or not one the gateway could read and bill.
    const removed = usage !== undefined && usage !== null;
    if (removed) delete chunk['usage'];
    // Only choices are left: without any, the chunk is dropped (but a usage-asking client's carrier of `x_groq.usage`, as it came).
    const choices = chunk['choices'];
    if (!Array.isArray(choices)) return [];
    if (choices.length === 0 && (removed || !this.includeUsage)) return [];
    return [JSON.stringify(chunk)];
  }

  /**
   * A chunk the tap read no finish from, written again only if a choice's `finish_reason`
   * is there but not a word (withOpenAIFinishReasons), a delta's text is of the wrong
   * type (withOpenAITextFieldsTyped) or a tool call's field is (withOpenAIToolCallsTyped);
   * else as it came, the model renamed.
   */
  private withChoicesTyped(data: string): string {
    const chunk = parseObject(data);
    if (!chunk || !Array.isArray(chunk['choices'])) return this.withModel(data);
    const finishes = withOpenAIFinishReasons(chunk['choices'], undefined, false);
    const texts = withOpenAITextFieldsTyped(finishes ?? chunk['choices'], 'delta') ?? finishes;
    const choices = withOpenAIToolCallsTyped(texts ?? chunk['choices'], 'delta') ?? texts;
    if (!choices) return this.withModel(data);
    chunk['choices'] = choices;
    return JSON.stringify(this.renamed(chunk));
  }

  /**
   * Whether an event the model's name alone would be swapped in may hold a number the
   * openai SDK's stream helpers cannot take (see numbered): its `created` is not written
   * as whole seconds, its first choice's `index` is not 0, or it holds a tool call after
   * one was numbered out of order. Found in the raw text (two or three substring searches,
   * no parse); a false alarm costs a parse.
   */
  private mayNeedNumbers(data: string): boolean {
    const firstChoice = firstChoiceIndex(data);
    if (firstChoice === 'other') return true;
    // A choice numbered 0 went out as it came: one numbered otherwise later is not renumbered to 0 too.
    if (firstChoice === 'zero' && this.choiceIndices === undefined) this.choiceIndices = new Map([[0, 0]]);
    return !createdIsWholeSeconds(data) || (this.toolsRenumbered && data.includes('"tool_calls"'));
  }

  /** A tool call's index from a start the tap read: numbered out of order (not 0, 1, 2 …), every later call is renumbered. */
  private learnToolIndex(index: number): void {
    const indices = (this.toolIndices ??= new Map());
    if (indices.has(index)) return;
    if (index !== indices.size) this.toolsRenumbered = true;
    indices.set(index, indices.size);
  }

  /**
   * The chunk's numbers as the translated path writes them, where the openai SDK's stream
   * helpers (`chat.completions.stream`, `finalChatCompletion()`) accumulate them: `created`
   * whole Unix seconds (1e300 or -1 went to the client's final completion as they came);
   * choices numbered 0, 1 … in the order they appear (a lone choice's index of 3 made
   * `finalChatCompletion()` throw "Cannot read properties of undefined (reading 'message')");
   * the first choice's tool calls numbered 0, 1 … as the tap met their starts (an index of 5
   * or 999999999 left a gap in the SDK's list of calls, which threw, after walking a sparse
   * list for 40 s at 999999999). Numbers already so are left as they are.
   */
  private numbered(chunk: Json): void {
    if ('created' in chunk && !isUnixSeconds(chunk['created'] as number)) chunk['created'] = this.created;
    const choices = chunk['choices'];
    if (!Array.isArray(choices)) return;
    let written: unknown[] | undefined;
    for (let position = 0; position < choices.length; position++) {
      const choice: unknown = choices[position];
      if (!isJsonObject(choice)) continue;
      let fixed: Json = choice;
      const indices = (this.choiceIndices ??= new Map());
      let index = indices.get(choice['index']);
      if (index === undefined) indices.set(choice['index'], (index = indices.size));
      if (choice['index'] !== index) fixed = { ...fixed, index };
      const calls = position === 0 && this.toolsRenumbered && isJsonObject(choice['delta']) ? choice['delta']['tool_calls'] : undefined;
      if (Array.isArray(calls)) {
        const renumbered = calls.map((call: unknown, at: number) => {
          if (!isJsonObject(call)) return call;
          const dense = this.toolIndices!.get(openAIToolCallIndex(call['index'], at));
          return dense === undefined || dense === call['index'] ? call : { ...call, index: dense };
        });
        fixed = { ...fixed, delta: { ...(choice['delta'] as Json), tool_calls: renumbered } };
      }
      if (fixed !== choice) (written ??= choices.slice())[position] = fixed;
    }
    if (written) chunk['choices'] = written;
  }

  private renamed(chunk: Json): Json {
    this.numbered(chunk);
    const model = chunk['model'];
    if (typeof model !== 'string' || !model) {
      // A model that is not a name reads as the stream's own, as on the translated path.
      chunk['model'] = this.model;
      return chunk;
    }
    // The first event named none (Azure's prompt_filter_results chunk): the first name seen is swapped by substring from here on.
    if (this.modelNeedle === undefined) this.learn('', model, 0);
    chunk['model'] = this.modelPrefix + model;
    return chunk;
  }
}

/** A `usage` key whose value is not null (`"usage":null` rides on every chunk of a stream asked for usage). */
const mentionsUsage = /"usage"\s*:\s*(?!null\b)/;

/**
 * What may hold a `finish_reason` other than `null` (a number, `""`, `true` …): the
 * key followed by anything but `null`, or any key spelled with a `\u` escape (from
 * the escape to the key's closing quote and its colon: a key that decodes to
 * `finish_reason` holds no quote). A word in the content only costs a parse.
 */
const mayHoldFinishReason = new RegExp(`${/finish_reason(?!"\s*:\s*null\b)/.source}|${escapedKeyPattern}`);

/**
 * Whether the chunk's `created` is absent or written as whole seconds (`"created":1700000000,`),
 * found without parsing: the key with no space after it (as OpenAI and most servers write
 * it; else a parse tells) and 1 to 15 digits, not starting with 0.
 */
function createdIsWholeSeconds(data: string): boolean {
  const at = data.indexOf('"created"');
  if (at < 0) return true;
  let position = at + '"created"'.length;
  if (data.charCodeAt(position) !== 0x3a /* : */) return false;
  const first = data.charCodeAt(++position);
  if (first < 0x31 /* 1 */ || first > 0x39 /* 9 */) return false;
  const end = Math.min(data.length, position + 16);
  for (position++; position < end; position++) {
    const code = data.charCodeAt(position);
    if (code < 0x30 || code > 0x39) return code === 0x2c /* , */ || code === 0x7d /* } */;
  }
  return false;
}

/**
 * The chunk's first choice's number, found without parsing: the first `"index":` after
 * `"choices":[` (a choice's own, or its first tool call's when its delta comes before
 * its index: a false alarm costs a parse) reads `0` (`zero`), something else or nothing
 * (`other`); `none` without choices.
 */
function firstChoiceIndex(data: string): 'zero' | 'other' | 'none' {
  const at = data.indexOf('"choices":[');
  if (at < 0) return 'none';
  const after = at + '"choices":['.length;
  if (data.charCodeAt(after) === 0x5d /* ] */) return 'none';
  const index = data.indexOf('"index":', after);
  if (index < 0) return 'other';
  const digit = index + '"index":'.length;
  const next = data.charCodeAt(digit + 1);
  return data.charCodeAt(digit) === 0x30 /* 0 */ && (next === 0x2c /* , */ || next === 0x7d /* } */) ? 'zero' : 'other';
}

/** Multi-line `data:` joined by the SSE parser: a newline in JSON text is whitespace, so a space keeps the same JSON. */
function oneLine(data: string): string {
  return data.includes('\n') ? data.replace(/\n/g, ' ') : data;
}

function parseObject(data: string): Json | undefined {
  try {
    const value: unknown = parseUpstreamJson(data);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
