import type { ChatRequest } from '../canonical/chat-request.js';

/** Characters per token, about right for English with the common BPE tokenizers. */
export const CHARACTERS_PER_TOKEN = 4;
/** Tokens each message costs beyond its content (role and separators), plus the reply's priming. */
export const MESSAGE_TOKEN_OVERHEAD = 4;
/**
 * Tokens assumed for one image. Providers count images differently (gpt-4o 85 for a
 * low-detail image and up to 1,445 at high detail, Anthropic up to about 1,600, Gemini
 * 258 per tile); a reservation takes the high end, and more for the OpenAI models known
 * to bill an image above it ({@link imageHoldTokens}).
 */
export const IMAGE_TOKEN_ESTIMATE = 1_600;
/** OpenAI's fixed price of a `detail: "low"` image. */
export const LOW_DETAIL_IMAGE_TOKEN_ESTIMATE = 85;

/** 1 for the ASCII units counted four to a token: letters and whitespace. */
const fourToAToken = new Uint8Array(128);
for (const range of ['AZ', 'az']) for (let code = range.charCodeAt(0); code <= range.charCodeAt(1); code++) fourToAToken[code] = 1;
for (const space of ' \t\n\r\v\f') fourToAToken[space.charCodeAt(0)] = 1;

/**
 * The characters of a text as the estimate counts them: four characters a token for
 * ASCII letters and whitespace, and a whole token for every other character: a digit,
 * a punctuation mark or symbol, and each character outside ASCII (a UTF-16 unit, so an
 * emoji is two). Tokenizers give most Chinese, Japanese or Korean characters a token of
 * their own: counted four to a token, a Chinese prompt reserved a quarter of its cost,
 * and 40 concurrent ones spent $5.60 of a $2 budget. Many split every digit (Llama 2,
 * Gemma, Mistral's) and take runs of symbols a token or two a character, so a prompt of
 * digits did the same ($7.60 of $2). 0 for a value that is not text, which a provider
 * plugin or a stored conversation could hand over where text belongs: counted as NaN,
 * it made a whole estimate NaN, and the ledger refused the request's record.
 */
export function textLength(value: unknown): number {
  if (typeof value !== 'string') return 0;
  // One pass over the units, no regular expression and nothing allocated: every request's text goes through here.
  let whole = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0x7f || fourToAToken[code] === 0) whole++;
  }
  return value.length + whole * (CHARACTERS_PER_TOKEN - 1);
}

/**
 * `textLength(JSON.stringify(value))`, without the JSON text: a tool's parameters and a
 * response schema are counted as the JSON the model reads, on every budgeted or
 * rate-limited request (twice), and the text was ~0.5 KB of garbage each time. Walks
 * plain objects, arrays and primitives as JSON.stringify writes them (escapes included);
 * anything else (a toJSON, a class instance, a BigInt, nesting past `maxWalkDepth`)
 * is left to JSON.stringify itself.
 */
export function jsonTextLength(value: unknown): number {
  const walk: JsonWalk = { units: 0, whole: 0, depth: 0, refused: false };
  if (!walkJson(value, walk) || walk.refused) return textLength(JSON.stringify(value));
  return walk.units + walk.whole * (CHARACTERS_PER_TOKEN - 1);
}

/**
 * The prompt tokens of values a provider reads as JSON (the blocks and items only the
 * fast path sends, ChatRequest's `fastPathOnlyPromptTokens`): their JSON text counted as
 * {@link textLength} counts text. 0 for none.
 */
export function estimateJsonTokens(values: readonly unknown[]): number {
  let characters = 0;
  for (const value of values) characters += jsonTextLength(value);
  return Math.ceil(characters / CHARACTERS_PER_TOKEN);
}

/** Deeper than this, the walk leaves the value to JSON.stringify (whose own limit is the stack's). */
const maxWalkDepth = 64;

interface JsonWalk {
  /** UTF-16 units of the JSON text so far. */
  units: number;
  /** Of those, the units counted a whole token each (`textLength`). */
  whole: number;
  depth: number;
  refused: boolean;
}

/** Adds the value's JSON text to the walk; false when JSON.stringify would write nothing (undefined, a function, a symbol). */
function walkJson(value: unknown, walk: JsonWalk): boolean {
  switch (typeof value) {
    case 'string':
      walkJsonString(value, walk);
      return true;
    case 'number':
      if (Number.isFinite(value)) addText(String(value), walk);
      else walk.units += 4; // null
      return true;
    case 'boolean':
      walk.units += value ? 4 : 5;
      return true;
    case 'undefined':
    case 'function':
    case 'symbol':
      return false;
    case 'bigint':
      walk.refused = true;
      return true;
  }
  if (value === null) {
    walk.units += 4;
    return true;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  const isArray = Array.isArray(value);
  if ((!isArray && prototype !== Object.prototype && prototype !== null) || walk.depth >= maxWalkDepth || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    walk.refused = true;
    return true;
  }
  walk.depth++;
  if (isArray) {
    const items = value as unknown[];
    // [ ] and a comma between items; an item JSON cannot write is null.
    addSymbols(items.length > 0 ? items.length + 1 : 2, walk);
    for (let index = 0; index < items.length && !walk.refused; index++) if (!walkJson(items[index], walk)) walk.units += 4;
  } else {
    const record = value as Record<string, unknown>;
    let members = 0;
    for (const name in record) {
      if (walk.refused) break;
      if (!Object.hasOwn(record, name)) continue;
      const units = walk.units;
      const whole = walk.whole;
      walkJsonString(name, walk);
      addSymbols(1, walk); // :
      if (walkJson(record[name], walk)) members++;
      else {
        walk.units = units;
        walk.whole = whole;
      }
    }
    // { } and a comma between members.
    addSymbols(members > 0 ? members + 1 : 2, walk);
  }
  walk.depth--;
  return true;
}

/** A JSON string literal as JSON.stringify writes it: quoted, with `"`, `\`, control units and lone surrogates escaped. */
function walkJsonString(text: string, walk: JsonWalk): void {
  addSymbols(2, walk);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22 || code === 0x5c) addSymbols(2, walk);
    else if (code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) {
      // \b \t \n \f \r: a backslash and a letter.
      walk.units += 2;
      walk.whole += 1;
    } else if (code < 0x20) addUnicodeEscape(code, walk);
    else if (code >= 0xd800 && code <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        addSymbols(2, walk); // a pair, written as it is: two units outside ASCII
        i++;
      } else addUnicodeEscape(code, walk);
    } else {
      walk.units++;
      if (code > 0x7f || fourToAToken[code] === 0) walk.whole++;
    }
  }
}

/** `\u` and four lowercase hex digits: the backslash and each decimal digit count whole, `u` and a–f do not. */
function addUnicodeEscape(code: number, walk: JsonWalk): void {
  walk.units += 6;
  walk.whole += 1;
  for (let shift = 12; shift >= 0; shift -= 4) if (((code >> shift) & 0xf) < 10) walk.whole++;
}

function addSymbols(count: number, walk: JsonWalk): void {
  walk.units += count;
  walk.whole += count;
}

function addText(text: string, walk: JsonWalk): void {
  const length = textLength(text);
  // textLength is units + 3 per whole unit: recover the two.
  walk.units += text.length;
  walk.whole += (length - text.length) / (CHARACTERS_PER_TOKEN - 1);
}

/**
 * A cheap estimate of the prompt tokens of a request, for reserving budget and
 * rate-limit capacity before the call: four letters or spaces a token, and a token for
 * each digit, symbol or character outside ASCII (textLength), for every text the model reads (messages,
 * tool definitions, the response schema), a few tokens per message, a fixed count
 * per image, and what only the fast path sends (`fastPathOnlyPromptTokens`). It is not
 * a tokenizer; the real count arrives with the response's usage, and the reservation
 * settles to that. Given the `model` the request is for, each image counts what that model
 * may bill for it ({@link imageTokenEstimate}), the count a budget holds; given the
 * {@link imageTokenEstimates} of several models, the most of theirs.
 */
export function estimatePromptTokens(request: ChatRequest, model?: string | ImageHoldTokens): number {
  return promptTokens(request, LOW_DETAIL_IMAGE_TOKEN_ESTIMATE, undefined, model);
}

/**
 * The tokens estimated for one image sent to `model`: what the model may bill for it
 * ({@link imageHoldTokens}, the count a budget holds), else {@link IMAGE_TOKEN_ESTIMATE},
 * or {@link LOW_DETAIL_IMAGE_TOKEN_ESTIMATE} at `detail: "low"`. Without a model, the
 * fixed counts. The rate limiter's token estimate counts images with it: at the fixed
 * 1,600, twenty images to gpt-4o-mini took 32,000 of a tpm limit and were billed 963,380.
 * `model` may also be the {@link imageTokenEstimates} of the models a name stands for.
 */
export function imageTokenEstimate(detail: string | undefined, model?: string | ImageHoldTokens): number {
  const rule = model === undefined ? undefined : typeof model === 'string' ? imageHoldTokens(model) : model;
  if (detail === 'low') return rule ? rule.low : LOW_DETAIL_IMAGE_TOKEN_ESTIMATE;
  return rule ? rule.high : IMAGE_TOKEN_ESTIMATE;
}

/**
 * The most {@link imageTokenEstimate} counts for one image sent to any of `models`, at each
 * detail (they may differ: gpt-4o-mini bills the most at high detail, gpt-4.1-nano at low):
 * for a name that stands for several models (an alias, a group), worked out once, not per request.
 */
export function imageTokenEstimates(models: Iterable<string>): ImageHoldTokens {
  let high = IMAGE_TOKEN_ESTIMATE;
  let low = LOW_DETAIL_IMAGE_TOKEN_ESTIMATE;
  for (const model of models) {
    high = Math.max(high, imageTokenEstimate('high', model));
    low = Math.max(low, imageTokenEstimate('low', model));
  }
  return { high, low };
}

/**
 * The prompt tokens a budget holds for a request: {@link estimatePromptTokens} with every
 * image at {@link IMAGE_TOKEN_ESTIMATE}, `detail: "low"` ones too. `detail` is OpenAI's alone
 * (Anthropic, Gemini and Bedrock drop it and bill the image as any other), and OpenAI's mini
 * models bill a low-detail image at thousands of tokens: held at 85, twenty images marked low
 * to Claude held $0.005 of a $0.05 budget, and the call spent $0.096. Its `provider_options`
 * count as prompt too ({@link providerOptionsTokens}). Once a deployment's model is known, a
 * budget holds each image at what that model may bill for it ({@link maxPromptTokensAt}).
 */
export function maxPromptTokens(request: ChatRequest): number {
  return maxPromptHold(request).tokens;
}

/**
 * What a budget holds for a request's prompt, before the model is chosen: `tokens` is
 * {@link maxPromptTokens} (every image at {@link IMAGE_TOKEN_ESTIMATE}), and the images it
 * counted, so that {@link maxPromptTokensAt} can take them at a deployment's own rate
 * without reading the request again.
 */
export interface PromptHold {
  tokens: number;
  /**
   * Output tokens the call may be billed beyond what the model writes: a predicted output's
   * text ({@link predictionOutputTokens}), billed as completion tokens where the answer does not use it.
   */
  outputTokens: number;
  /** Images in the messages, `detail: "low"` ones included. */
  images: number;
  /** Of those, the ones marked `detail: "low"`. */
  lowDetailImages: number;
}

export function maxPromptHold(request: ChatRequest): PromptHold {
  const images = { images: 0, lowDetailImages: 0 };
  const tokens = promptTokens(request, IMAGE_TOKEN_ESTIMATE, images) + providerOptionsTokens(request);
  return { tokens, outputTokens: predictionOutputTokens(request), images: images.images, lowDetailImages: images.lowDetailImages };
}

/**
 * The tokens of a request's predicted output (OpenAI's and Mistral's `prediction:
 * {type: "content", content}`), which it sends in `provider_options` under any provider's
 * name (a top-level `prediction` lands under `openai`): 0 without one. A prediction's
 * tokens the answer does not use are billed as completion tokens
 * (`rejected_prediction_tokens`) besides what the model writes, so a hold counts them as
 * output: counted as prompt alone, 40,000 characters of prediction held $0.01 and were
 * billed $0.10.
 */
export function predictionOutputTokens(request: ChatRequest): number {
  const options = request.providerOptions;
  if (options === undefined) return 0;
  let characters = 0;
  for (const name in options) {
    if (!Object.hasOwn(options, name)) continue;
    const namespace = options[name];
    if (typeof namespace !== 'object' || namespace === null || !Object.hasOwn(namespace, 'prediction')) continue;
    const prediction = (namespace as { prediction?: unknown }).prediction;
    if (typeof prediction !== 'object' || prediction === null) continue;
    const content = (prediction as { content?: unknown }).content;
    characters += typeof content === 'string' ? textLength(content) : content === undefined ? 0 : jsonTextLength(content);
  }
  return Math.ceil(characters / CHARACTERS_PER_TOKEN);
}

/**
 * The prompt tokens held for a call of `model` (an upstream model id): the request's
 * {@link PromptHold} with each image at what the model may bill for it
 * ({@link imageHoldTokens}), never below {@link IMAGE_TOKEN_ESTIMATE}. Nothing is
 * looked up for a request without images.
 */
export function maxPromptTokensAt(hold: PromptHold, model: string): number {
  if (hold.images === 0) return hold.tokens;
  const rule = imageHoldTokens(model);
  if (!rule) return hold.tokens;
  const high = hold.images - hold.lowDetailImages;
  return hold.tokens + high * Math.max(0, rule.high - IMAGE_TOKEN_ESTIMATE) + hold.lowDetailImages * Math.max(0, rule.low - IMAGE_TOKEN_ESTIMATE);
}

/** The most input tokens a model bills for one image, at `detail: "high"`/`"auto"` and at `"low"`. */
export interface ImageHoldTokens {
  high: number;
  low: number;
}

/**
 * OpenAI models that bill an image above {@link IMAGE_TOKEN_ESTIMATE}, by model family,
 * first match wins. OpenAI prices an image on its small models so that it costs about
 * what it costs on the big one, so they count many more tokens for it (the tokens are
 * billed, they do not take context). From OpenAI's vision guide ("Calculating costs")
 * and the counts its API reports:
 *
 * - gpt-4o-mini bills tiles: 2,833 base tokens (all of a `detail: "low"` image) plus 5,667
 *   for each 512px tile; an image is scaled into 2048x2048 and its short side to 768px, so
 *   at most 8 tiles: 2,833 + 8 x 5,667 = 48,169.
 * - the patch models count 32px patches, at most 1,536, times a multiplier, and ignore
 *   `detail: "low"`: gpt-4.1-nano and gpt-5-nano 2.46 (3,779), o4-mini and codex-mini
 *   1.72 (2,642), gpt-4.1-mini and gpt-5-mini 1.62 (2,489).
 * - the GPT-5 family beyond them multiplies by 1.2 and reads up to 2,500 patches at full
 *   detail: 3,000.
 *
 * Anything else (gpt-4o at most 1,445, gpt-4.1 1,536, Claude about 1,600, Gemini 258 a
 * tile) is held at {@link IMAGE_TOKEN_ESTIMATE}. A model id is matched without a
 * `provider/` prefix (OpenRouter's `openai/gpt-4o-mini`) or a fine-tune's `ft:`.
 */
const imageHoldRules: readonly (readonly [RegExp, ImageHoldTokens])[] = [
  [/^gpt-4o-mini(?![a-z])/, { high: 2_833 + 8 * 5_667, low: 2_833 }],
  [/^gpt-(?:4\.1|5(?:\.\d+)?)-nano(?![a-z])/, { high: 3_779, low: 3_779 }],
  [/^(?:o4-mini|codex-mini)(?![a-z])/, { high: 2_642, low: 2_642 }],
  [/^gpt-(?:4\.1|5(?:\.\d+)?)-mini(?![a-z])/, { high: 2_489, low: 2_489 }],
  [/^gpt-5(?![0-9])/, { high: 3_000, low: 3_000 }],
];

/** What `model` may bill for one image, when it is known to bill more than {@link IMAGE_TOKEN_ESTIMATE}; undefined otherwise. */
export function imageHoldTokens(model: string): ImageHoldTokens | undefined {
  let id = model.toLowerCase();
  id = id.slice(id.lastIndexOf('/') + 1);
  if (id.startsWith('ft:')) id = id.slice(3);
  for (const [pattern, tokens] of imageHoldRules) if (pattern.test(id)) return tokens;
  return undefined;
}

/**
 * The JSON text of a request's `provider_options`, counted as prompt (0 without them). They
 * are laid under the upstream body, so a field the request leaves out (`tools`,
 * `instructions`, Gemini's `systemInstruction`) goes upstream from there and is read and
 * billed as prompt: 100,000 characters of tool descriptions in them held nothing, and a key
 * with $0.05 left was served a call that cost $0.075.
 */
function providerOptionsTokens(request: ChatRequest): number {
  const options = request.providerOptions;
  return options === undefined ? 0 : Math.ceil(jsonTextLength(options) / CHARACTERS_PER_TOKEN);
}

function promptTokens(
  request: ChatRequest,
  lowDetailImageTokens: number,
  images?: { images: number; lowDetailImages: number },
  model?: string | ImageHoldTokens,
): number {
  let characters = 0;
  let tokens = MESSAGE_TOKEN_OVERHEAD;
  for (const message of request.messages) {
    tokens += MESSAGE_TOKEN_OVERHEAD;
    if (typeof message.content === 'string') {
      characters += textLength(message.content);
      continue;
    }
    // Anything but a list of parts counts as no text (a conversation stored before its items were checked).
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content) {
      switch (part.type) {
        case 'image':
          tokens += model !== undefined ? imageTokenEstimate(part.detail, model) : part.detail === 'low' ? lowDetailImageTokens : IMAGE_TOKEN_ESTIMATE;
          if (images) {
            images.images++;
            if (part.detail === 'low') images.lowDetailImages++;
          }
          break;
        case 'tool-call':
          characters += textLength(part.name) + textLength(part.arguments);
          break;
        default:
          characters += textLength(part.text);
      }
    }
  }
  for (const tool of request.tools ?? []) {
    characters += textLength(tool.name) + textLength(tool.description) + jsonTextLength(tool.parameters);
  }
  if (request.responseFormat?.type === 'json-schema') characters += jsonTextLength(request.responseFormat.schema);
  // What only the fast path sends (server-tool blocks, built-in tool items): left out, a budget held nothing for it.
  return tokens + fastPathOnlyTokens(request) + Math.ceil(characters / CHARACTERS_PER_TOKEN);
}

/** A request's `fastPathOnlyPromptTokens` as a whole count; 0 for one that is not a positive finite number. */
export function fastPathOnlyTokens(request: ChatRequest): number {
  const tokens = request.fastPathOnlyPromptTokens;
  return typeof tokens === 'number' && Number.isFinite(tokens) && tokens > 0 ? Math.ceil(tokens) : 0;
}
