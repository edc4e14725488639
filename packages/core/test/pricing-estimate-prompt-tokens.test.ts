import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonTextLength, textLength } from '../src/pricing/estimate-prompt-tokens.js';
import { parseResponsesRequest, prefixConversation } from '../src/ingress/responses/parse-responses-request.js';
import { defaultIngressLimits } from '../src/ingress/ingress-limits.js';
import {
  estimateEmbeddingsTokens,
  estimatePromptTokens,
  IMAGE_TOKEN_ESTIMATE,
  LOW_DETAIL_IMAGE_TOKEN_ESTIMATE,
  MESSAGE_TOKEN_OVERHEAD,
  imageHoldTokens,
  maxPromptHold,
  maxPromptTokens,
  maxPromptTokensAt,
  type ChatMessage,
  type ChatRequest,
} from '../src/index.js';

/** A user message of one text part, as every ingress gives user text. */
function user(text: string): ChatMessage {
  return { role: 'user', content: [{ type: 'text', text }] };
}

function request(messages: ChatRequest['messages'], extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'mock/echo', messages, stream: false, ...extra };
}

describe('estimatePromptTokens', () => {
  it("gives docs/pricing.md's worked example: four tokens a message and four for the request", () => {
    // The page said four a message only, so a count_tokens answer of 11 for `hello world` read as wrong.
    const page = readFileSync(fileURLToPath(new URL('../../../docs/pricing.md', import.meta.url)), 'utf8');
    const example = /`([^`]+)` in one\s+message is (\d+) \+ (\d+) \+ (\d+) = (\d+) tokens/.exec(page);
    expect(example, 'the worked example').not.toBeNull();
    const [, text, request_, message, content, total] = example!;
    expect([Number(request_), Number(message)]).toEqual([MESSAGE_TOKEN_OVERHEAD, MESSAGE_TOKEN_OVERHEAD]);
    expect(Number(request_) + Number(message) + Number(content)).toBe(Number(total));
    expect(estimatePromptTokens(request([user(text!)]))).toBe(Number(total));
  });

  it('counts about four characters a token plus a few tokens a message', () => {
    const text = 'x'.repeat(400);
    const tokens = estimatePromptTokens(request([{ role: 'user', content: [{ type: 'text', text }] }]));
    expect(tokens).toBe(100 + 2 * MESSAGE_TOKEN_OVERHEAD);
  });

  it('counts a token for each character outside ASCII, as tokenizers do for Chinese, Japanese or Korean text', () => {
    const chinese = '天地玄黄'.repeat(100);
    expect(estimatePromptTokens(request([user(chinese)]))).toBe(400 + 2 * MESSAGE_TOKEN_OVERHEAD);
    // Mixed text: ASCII at four characters a token, the rest at one; an emoji is two UTF-16 units.
    expect(estimatePromptTokens(request([user(`${'x'.repeat(40)}日本語🙂`)]))).toBe(10 + 3 + 2 + 2 * MESSAGE_TOKEN_OVERHEAD);
    expect(estimateEmbeddingsTokens({ model: 'mock/echo', input: [chinese, 'x'.repeat(40)] })).toBe(400 + 10);
  });

  it('counts a token for each digit, punctuation mark or symbol, as tokenizers that split every digit (Llama 2, Gemma, Mistral) do', () => {
    const only = (content: string) => estimatePromptTokens(request([user(content)])) - 2 * MESSAGE_TOKEN_OVERHEAD;
    expect(only('3141592653'.repeat(40))).toBe(400);
    expect(only('!@#$%^&*()[]{}<>~`|\\/?.,;:\'"-_+='.repeat(10))).toBe(320);
    // Letters and ASCII whitespace stay four to a token; a prompt mixing them counts each its own way.
    expect(only('abcd efgh\tijkl\nmnop\r'.repeat(20))).toBe(100);
    // 40 letters and 2 spaces at four a token, 11 digits and symbols at one: 10.5 + 11, rounded up.
    expect(only(`${'x'.repeat(40)} 2026, 12:00.`)).toBe(22);
    expect(estimateEmbeddingsTokens({ model: 'mock/echo', input: ['0123456789', 'ab-cd'] })).toBe(10 + 2);
  });

  it('grows with the conversation: system, assistant, tool calls and tool results all count', () => {
    const short = estimatePromptTokens(request([{ role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] }]));
    const long = estimatePromptTokens(
      request([
        { role: 'system', content: 'You are a concise weather assistant. Answer in one sentence.' },
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
        { role: 'assistant', content: [{ type: 'tool-call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
        { role: 'tool', toolCallId: 'call_1', content: '{"city":"Paris","temperature":18,"unit":"celsius"}' },
      ]),
    );
    expect(long).toBeGreaterThan(short + 3 * MESSAGE_TOKEN_OVERHEAD + 20);
  });

  it('charges a fixed count per image, less for a low-detail one', () => {
    const image = (detail?: 'low' | 'high') =>
      estimatePromptTokens(
        request([{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' }, ...(detail ? { detail } : {}) }] }]),
      );
    expect(image()).toBe(2 * MESSAGE_TOKEN_OVERHEAD + IMAGE_TOKEN_ESTIMATE);
    expect(image('high')).toBe(image());
    expect(image('low')).toBe(2 * MESSAGE_TOKEN_OVERHEAD + LOW_DETAIL_IMAGE_TOKEN_ESTIMATE);
  });

  it("holds each image at what the model bills for one: OpenAI's small models far above the default, others at it", () => {
    const images = [
      { type: 'image' as const, source: { kind: 'url' as const, url: 'https://example.com/a.png' } },
      { type: 'image' as const, source: { kind: 'url' as const, url: 'https://example.com/b.png' }, detail: 'low' as const },
    ];
    const withImages = request([{ role: 'user', content: images }]);
    const base = 2 * MESSAGE_TOKEN_OVERHEAD;
    // What a budget holds before the model is chosen, then at each deployment's model (key-scope's hold).
    const hold = maxPromptHold(withImages);
    expect(maxPromptTokens(withImages)).toBe(base + 2 * IMAGE_TOKEN_ESTIMATE);
    expect(hold).toMatchObject({ tokens: maxPromptTokens(withImages), images: 2, lowDetailImages: 1 });
    expect(maxPromptTokensAt(hold, 'gpt-4o-mini-2024-07-18')).toBe(base + 48_169 + 2_833);
    expect(maxPromptTokensAt(hold, 'openai/gpt-4o-mini')).toBe(base + 48_169 + 2_833);
    expect(maxPromptTokensAt(hold, 'ft:gpt-4o-mini:acme::abc')).toBe(base + 48_169 + 2_833);
    expect(maxPromptTokensAt(hold, 'gpt-4.1-nano')).toBe(base + 2 * 3_779);
    expect(maxPromptTokensAt(hold, 'gpt-5-nano-2025-08-07')).toBe(base + 2 * 3_779);
    expect(maxPromptTokensAt(hold, 'o4-mini')).toBe(base + 2 * 2_642);
    expect(maxPromptTokensAt(hold, 'GPT-4.1-mini')).toBe(base + 2 * 2_489);
    expect(maxPromptTokensAt(hold, 'gpt-5.2')).toBe(base + 2 * 3_000);
    for (const model of ['gpt-4o', 'gpt-4.1', 'claude-sonnet-4-5', 'gemini-2.5-flash', 'o3', 'gpt-4o-minimal', 'gpt-50']) {
      expect(imageHoldTokens(model), model).toBeUndefined();
      expect(maxPromptTokensAt(hold, model)).toBe(base + 2 * IMAGE_TOKEN_ESTIMATE);
    }
    // Nothing more without images.
    const text = maxPromptHold(request([user('hi')]));
    expect(maxPromptTokensAt(text, 'gpt-4o-mini')).toBe(maxPromptTokens(request([user('hi')])));
  });

  it('does not count base64 image data as text', () => {
    const data = 'A'.repeat(400_000);
    const tokens = estimatePromptTokens(
      request([{ role: 'user', content: [{ type: 'image', source: { kind: 'base64', mediaType: 'image/png', data } }] }]),
    );
    expect(tokens).toBe(2 * MESSAGE_TOKEN_OVERHEAD + IMAGE_TOKEN_ESTIMATE);
  });

  it('counts tool definitions and a JSON response schema, which the model reads too', () => {
    const messages: ChatRequest['messages'] = [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }];
    const bare = estimatePromptTokens(request(messages));
    const withTools = estimatePromptTokens(
      request(messages, {
        tools: [
          {
            name: 'get_weather',
            description: 'Current weather for a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        ],
        responseFormat: { type: 'json-schema', name: 'answer', schema: { type: 'object', properties: { text: { type: 'string' } } } },
      }),
    );
    expect(withTools - bare).toBeGreaterThan(30);
  });

  it('counts a text, tool name or arguments that is not text as none, and content that is not a list of parts as no text: never NaN, never a throw', () => {
    const junk = [12345, { a: 1 }, null, ['x']] as unknown as string[];
    const messages = junk.flatMap((value) => [
      { role: 'user', content: [{ type: 'text', text: value }] },
      { role: 'assistant', content: [{ type: 'tool-call', id: 'c', name: value, arguments: value }] },
      { role: 'user', content: value as unknown as [] },
    ]) as ChatRequest['messages'];
    const tokens = estimatePromptTokens(request([{ role: 'user', content: [{ type: 'text', text: 'x'.repeat(8) }] }, ...messages]));
    expect(tokens).toBe(2 + (2 + messages.length) * MESSAGE_TOKEN_OVERHEAD);
  });

  it('is within a factor of two of a real count for ordinary English', () => {
    // OpenAI's tokenizer counts this sentence (57 characters) as 12 tokens.
    const text = 'The quick brown fox jumps over the lazy dog near the bank.';
    const tokens = estimatePromptTokens(request([{ role: 'user', content: [{ type: 'text', text }] }])) - 2 * MESSAGE_TOKEN_OVERHEAD;
    expect(tokens).toBeGreaterThanOrEqual(6);
    expect(tokens).toBeLessThanOrEqual(24);
  });
});

describe('jsonTextLength', () => {
  it('is textLength of the JSON text for any JSON value, escapes and lone surrogates included', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('a"b\\c', '\b\t\n\f\r\v\u0000\u001f', '\ud800x', 'x\udc00', '\ud83d\ude00', 'é中', ''));
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.double(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.constant(undefined),
        fc.array(tie('value'), { maxLength: 5 }),
        fc.dictionary(text, tie('value'), { maxKeys: 6 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        expect(jsonTextLength(value)).toBe(textLength(JSON.stringify(value)));
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves to JSON.stringify what is not plain JSON: a Date, a toJSON, a class, deep nesting', () => {
    class Shape {
      side = 2;
      get area(): number {
        return 4;
      }
    }
    let deep: unknown = { leaf: '1' };
    for (let depth = 0; depth < 100; depth++) deep = { next: deep, list: [depth] };
    const values = [new Date(0), { at: new Date(0) }, { toJSON: () => 'short' }, [new Shape()], deep, [() => 1, Symbol('s'), undefined], { f: () => 1, u: undefined }];
    for (const value of values) expect(jsonTextLength(value)).toBe(textLength(JSON.stringify(value)));
    expect(() => jsonTextLength({ n: 1n })).toThrow(TypeError);
  });
});

describe('what only the fast path sends', () => {
  const output = 'the quick brown fox jumps over the lazy dog '.repeat(20);
  const toolItems = [
    { type: 'custom_tool_call', call_id: 'call_1', name: 'shell', input: 'cat notes.txt' },
    { type: 'custom_tool_call_output', call_id: 'call_1', output },
  ];

  it('a Responses conversation continued from a stored one counts the stored built-in and custom tool items, as this turn\'s', () => {
    const plain = parseResponsesRequest({ model: 'openai/gpt-4o-mini', input: 'Go on.' });
    const withItems = parseResponsesRequest({ model: 'openai/gpt-4o-mini', input: [...toolItems, { role: 'user', content: 'Go on.' }] });
    const continued = parseResponsesRequest({ model: 'openai/gpt-4o-mini', input: 'Go on.' });
    prefixConversation(continued, toolItems as never, defaultIngressLimits);
    const itemTokens = Math.ceil(jsonTextLength(toolItems[0]) / 4 + jsonTextLength(toolItems[1]) / 4);
    expect(estimatePromptTokens(withItems.request)).toBeGreaterThanOrEqual(estimatePromptTokens(plain.request) + itemTokens - 1);
    // This turn's items are given ids (the stored ones have theirs), a few tokens more.
    expect(estimatePromptTokens(continued.request)).toBeGreaterThanOrEqual(estimatePromptTokens(plain.request) + itemTokens);
    expect(estimatePromptTokens(withItems.request)).toBeGreaterThan(textLength(output) / 4);
  });

  it('a count that is not a positive finite number adds nothing', () => {
    const base = estimatePromptTokens(request([user('hi')]));
    for (const junk of [Number.NaN, Number.POSITIVE_INFINITY, -5, '7' as unknown as number]) {
      expect(estimatePromptTokens(request([user('hi')], { fastPathOnlyPromptTokens: junk }))).toBe(base);
    }
    expect(estimatePromptTokens(request([user('hi')], { fastPathOnlyPromptTokens: 12 }))).toBe(base + 12);
  });
});
