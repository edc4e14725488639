import type { ChatRequest } from '../canonical/chat-request.js';

/** Characters per token, about right for English with the common BPE tokenizers. */
export const CHARACTERS_PER_TOKEN = 4;
/** Tokens each message costs beyond its content (role and separators), plus the reply's priming. */
export const MESSAGE_TOKEN_OVERHEAD = 4;
/**
 * Tokens assumed for one image. Providers count images differently (OpenAI 85 for a
 * low-detail image and up to about 1,100 at high detail, Anthropic up to about
 * 1,600, Gemini 258 per tile); a reservation takes the high end.
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
 * A cheap estimate of the prompt tokens of a request, for reserving budget and
 * rate-limit capacity before the call: four letters or spaces a token, and a token for
 * each digit, symbol or character outside ASCII (textLength), for every text the model reads (messages,
 * tool definitions, the response schema), a few tokens per message, and a fixed count
 * per image. It is not a tokenizer; the real count arrives with the response's usage,
 * and the reservation settles to that.
 */
export function estimatePromptTokens(request: ChatRequest): number {
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
          tokens += part.detail === 'low' ? LOW_DETAIL_IMAGE_TOKEN_ESTIMATE : IMAGE_TOKEN_ESTIMATE;
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
    characters += textLength(tool.name) + textLength(tool.description) + textLength(JSON.stringify(tool.parameters));
  }
  if (request.responseFormat?.type === 'json-schema') characters += textLength(JSON.stringify(request.responseFormat.schema));
  return tokens + Math.ceil(characters / CHARACTERS_PER_TOKEN);
}
