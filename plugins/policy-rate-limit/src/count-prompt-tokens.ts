import {
  CHARACTERS_PER_TOKEN,
  MESSAGE_TOKEN_OVERHEAD,
  estimateEmbeddingsTokens,
  estimatePromptTokens,
  fastPathOnlyTokens,
  imageTokenEstimate,
  textLength,
  type ChatRequest,
  type EmbeddingsRequest,
  type ImageHoldTokens,
  type Logger,
} from '@switchyard/core';

/** How prompt tokens are counted before the call: `estimate` (chars / 4) or `tiktoken` (OpenAI's BPE for OpenAI models). */
export type TokenizerOption = 'estimate' | 'tiktoken';

/** Counts the tokens of one text. */
export type CountText = (text: string) => number;

/** Prompt tokens of requests, before the call. */
export interface PromptTokenCounter {
  /** `images`: what an image counts, for a name standing for several models (imageTokenEstimates); by `request.model` without it. */
  chat(request: ChatRequest, images?: ImageHoldTokens): number;
  embeddings(request: EmbeddingsRequest): number;
  /** Resolves when the counter is ready (the tokenizer's encodings are loaded). */
  readonly ready: Promise<void>;
}

type EncodingName = 'o200k_base' | 'cl100k_base';

/**
 * Which of OpenAI's encodings a model uses, from the model id after the last `/`
 * (`openai/gpt-4o`, `azure/gpt-4o-mini`, `gpt-4.1`); undefined for other families,
 * whose tokenizers are not public or not in the package, and get the estimate.
 */
export function openAIEncodingFor(model: string): EncodingName | undefined {
  const id = model.slice(model.lastIndexOf('/') + 1).toLowerCase();
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|chatgpt-|o[1-9](-|$)|codex-)/.test(id)) return 'o200k_base';
  if (/^(gpt-4|gpt-3\.5|text-embedding-)/.test(id)) return 'cl100k_base';
  return undefined;
}

/**
 * The prompt tokens of a chat request, counting its texts with `countText`: the
 * same walk as core's `estimatePromptTokens`, with a real tokenizer in place of
 * chars / 4 (images count what the request's model may bill for them, the count a
 * budget holds: core's `imageTokenEstimate`, or `images` when given; what only the fast
 * path sends its estimate, `fastPathOnlyPromptTokens`).
 */
export function countChatTokens(request: ChatRequest, countText: CountText, images?: ImageHoldTokens): number {
  const imageModel = images ?? request.model;
  // As core's estimate does: a value that is not text counts as none (textLength), never a throw.
  const count = (value: unknown) => (typeof value === 'string' ? countText(value) : 0);
  let tokens = MESSAGE_TOKEN_OVERHEAD;
  for (const message of request.messages) {
    tokens += MESSAGE_TOKEN_OVERHEAD;
    if (typeof message.content === 'string') {
      tokens += countText(message.content);
      continue;
    }
    // Anything but a list of parts counts as no text (a Responses conversation stored before its items were checked).
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content) {
      switch (part.type) {
        case 'image':
          tokens += imageTokenEstimate(part.detail, imageModel);
          break;
        case 'tool-call':
          tokens += count(part.name) + count(part.arguments);
          break;
        default:
          tokens += count(part.text);
      }
    }
  }
  for (const tool of request.tools ?? []) {
    tokens += countText(`${tool.name}\n${tool.description ?? ''}\n${JSON.stringify(tool.parameters)}`);
  }
  if (request.responseFormat?.type === 'json-schema') tokens += countText(JSON.stringify(request.responseFormat.schema));
  // What only the fast path sends (tool items, server-tool blocks), as core estimates it: the parsers count it.
  return tokens + fastPathOnlyTokens(request);
}

/** The input tokens of an embeddings request (token-id inputs are counted exactly). */
export function countEmbeddingsTokens(request: EmbeddingsRequest, countText: CountText): number {
  let tokens = 0;
  for (const input of request.input) tokens += typeof input === 'string' ? countText(input) : input.length;
  return tokens;
}

/**
 * The counter for the `tokenizer` option. `tiktoken` loads gpt-tokenizer's
 * o200k_base and cl100k_base encodings (shipped in the package, nothing is
 * downloaded) in the background at start; until they are loaded, or if loading
 * fails, every request gets the estimate.
 */
export function createPromptTokenCounter(tokenizer: TokenizerOption, logger?: Logger): PromptTokenCounter {
  if (tokenizer === 'estimate') {
    return {
      chat: (request, images) => estimatePromptTokens(request, images ?? request.model),
      embeddings: (request) => estimateEmbeddingsTokens(request),
      ready: Promise.resolve(),
    };
  }
  const encoders = new Map<EncodingName, CountText>();
  const ready = loadEncodings(encoders).catch((error: unknown) => {
    logger?.warn({ err: error }, 'rate-limit: the tokenizer could not be loaded; prompt tokens are estimated instead');
  });
  const countFor = (model: string): CountText | undefined => {
    const encoding = openAIEncodingFor(model);
    const countPiece = encoding ? encoders.get(encoding) : undefined;
    // A budget per request: each request counts with a fresh one.
    return countPiece && boundedCountText(countPiece);
  };
  return {
    chat(request, images) {
      const countText = countFor(request.model);
      return countText ? countChatTokens(request, countText, images) : estimatePromptTokens(request, images ?? request.model);
    },
    embeddings(request) {
      const countText = countFor(request.model);
      return countText ? countEmbeddingsTokens(request, countText) : estimateEmbeddingsTokens(request);
    },
    ready,
  };
}

/** The longest text handed to the tokenizer at once: a longer one is cut, at a word break when it has one. */
const tokenizerPieceChars = 128;

/** The characters of one request the tokenizer counts; the rest are estimated as core estimates (textLength). */
const tokenizedCharsPerRequest = 262_144;

/**
 * A request's text counter over the tokenizer's `countPiece`, with its work bounded.
 * BPE is quadratic in the length of a run without word breaks (100,000 letters took
 * 11 s of the event loop; a 4 MB body of one would take hours), so texts are counted
 * in pieces of at most {@link tokenizerPieceChars}, cut before a whitespace where the
 * piece has one (the tokenizer splits there too, so ordinary text counts the same). On
 * text with few repeats (base64, random characters) even short pieces cost about 2 µs
 * a character, so past {@link tokenizedCharsPerRequest} characters the rest is estimated.
 */
function boundedCountText(countPiece: CountText): CountText {
  let budget = tokenizedCharsPerRequest;
  return (text) => {
    let tokens = 0;
    let start = 0;
    while (start < text.length) {
      if (budget <= 0) return tokens + Math.ceil(textLength(start === 0 ? text : text.slice(start)) / CHARACTERS_PER_TOKEN);
      let end = Math.min(start + Math.min(tokenizerPieceChars, budget), text.length);
      if (end < text.length) end = pieceEnd(text, start, end);
      tokens += countPiece(text.slice(start, end));
      budget -= end - start;
      start = end;
    }
    return tokens;
  };
}

/** Where a piece ending at most at `end` ends: before its last whitespace, else at `end` but not inside a surrogate pair. */
function pieceEnd(text: string, start: number, end: number): number {
  for (let index = end; index > start; index--) {
    if (isWhitespace(text.charCodeAt(index))) return index;
  }
  const last = text.charCodeAt(end - 1);
  return last >= 0xd800 && last <= 0xdbff && end - 1 > start ? end - 1 : end;
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0xa0 || code === 0x3000 || code === 0x2028 || code === 0x2029;
}

async function loadEncodings(encoders: Map<EncodingName, CountText>): Promise<void> {
  const [o200k, cl100k] = await Promise.all([import('gpt-tokenizer/encoding/o200k_base'), import('gpt-tokenizer/encoding/cl100k_base')]);
  // Text that merely looks like a special token (`<|endoftext|>`) is counted as text, not refused.
  const asText = { disallowedSpecial: new Set<string>() };
  encoders.set('o200k_base', (text) => o200k.countTokens(text, asText));
  encoders.set('cl100k_base', (text) => cl100k.countTokens(text, asText));
}
