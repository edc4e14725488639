import type { FinishReason } from '../../canonical/chat-response.js';
import { emptyUsage, type Usage } from '../../canonical/usage.js';
import type { GatewayError } from '../../errors/gateway-error.js';
import type { PassthroughEvent } from '../../plugin/provider-types.js';
import { parseUpstreamJson } from '../../transport/parse-upstream-json.js';
import type { PassthroughStreamEncoder, SseEvent, StreamEncoderOptions } from '../ingress-dialect.js';
import { billedOpenAIUsage } from './billed-openai-usage.js';
import { isOpenAIFinishReason, withOpenAIFinishReasons } from './openai-finish-reason.js';
import { mayHoldMistypedOpenAIText, withOpenAITextFieldsTyped } from './openai-text-fields.js';
import { mayHoldMistypedOpenAIToolCall, withOpenAIToolCallsTyped } from './openai-tool-call-fields.js';
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
    if (needle !== undefined) {
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
    this.renamed(chunk);
    if (Array.isArray(chunk['choices'])) {
      const finishes = withOpenAIFinishReasons(chunk['choices'], finish, false) ?? chunk['choices'];
      const texts = withOpenAITextFieldsTyped(finishes, 'delta') ?? finishes;
      chunk['choices'] = withOpenAIToolCallsTyped(texts, 'delta') ?? texts;
    }
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

  private renamed(chunk: Json): Json {
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
