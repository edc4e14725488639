import { estimatePromptTokens, type ChatMessage, type ChatRequest } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { chooseSmartModel, type SmartRule } from '../src/index.js';

const rules: SmartRule[] = [
  { when: { header: { name: 'X-Tier', equals: 'premium' } }, use: 'premium' },
  { when: { has_images: true }, use: 'vision' },
  { when: { has_tools: true, max_prompt_tokens: 2000 }, use: 'tools-small' },
  { when: { json_mode: true }, use: 'json' },
  { when: { min_prompt_tokens: 1000 }, use: 'long' },
  { use: 'cheap' },
];

function chat(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'auto', stream: false, messages: [user('hello')], ...overrides };
}

function user(text: string): ChatMessage {
  return { role: 'user', content: [{ type: 'text', text }] };
}

const noHeaders = { header: () => undefined };

describe('chooseSmartModel', () => {
  it('falls through to the default rule', () => {
    expect(chooseSmartModel(rules, { chat: chat(), ...noHeaders })).toBe('cheap');
  });

  it('matches a header case-insensitively by name, exactly by value', () => {
    const headers = (value: string) => ({ header: (name: string) => (name === 'x-tier' ? value : undefined) });
    expect(chooseSmartModel(rules, { chat: chat(), ...headers('premium') })).toBe('premium');
    expect(chooseSmartModel(rules, { chat: chat(), ...headers('Premium') })).toBe('cheap');
  });

  it('sees images, tools, JSON mode and the prompt size; first match wins', () => {
    const image = chat({ messages: [{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'https://x/y.png' } }] }] });
    expect(chooseSmartModel(rules, { chat: image, ...noHeaders })).toBe('vision');
    const tools = chat({ tools: [{ name: 'lookup', parameters: { type: 'object' } }] });
    expect(chooseSmartModel(rules, { chat: tools, ...noHeaders })).toBe('tools-small');
    expect(chooseSmartModel(rules, { chat: chat({ responseFormat: { type: 'json' } }), ...noHeaders })).toBe('json');
    const long = chat({ messages: [user('word '.repeat(1000))] });
    expect(chooseSmartModel(rules, { chat: long, ...noHeaders })).toBe('long');
    // Tools with a long prompt miss the tools rule (max 2000) and land on 'long'.
    const longTools = { ...long, tools: tools.tools };
    const veryLong = { ...longTools, messages: [user('word '.repeat(2000))] };
    expect(chooseSmartModel(rules, { chat: veryLong, ...noHeaders })).toBe('long');
  });

  it("counts an embeddings request's input for the prompt-size conditions, at their bounds", () => {
    const sized = [
      { when: { max_prompt_tokens: 100 }, use: 'small-embedder' },
      { when: { min_prompt_tokens: 101 }, use: 'large-embedder' },
      { use: 'default' },
    ];
    // About four characters a token: 400 letters are 100 tokens, 404 are 101.
    const embeddings = (text: string) => ({ embeddings: { model: 'auto', input: [text] }, ...noHeaders });
    expect(chooseSmartModel(sized, embeddings('a'.repeat(400)))).toBe('small-embedder');
    expect(chooseSmartModel(sized, embeddings('a'.repeat(404)))).toBe('large-embedder');
    // 100,000 tokens of input are no small prompt (they were counted 0 and sent to the small model).
    expect(chooseSmartModel(sized, embeddings('word '.repeat(80_000)))).toBe('large-embedder');
    expect(chooseSmartModel(sized, { embeddings: { model: 'auto', input: [[1, 2, 3]] }, ...noHeaders })).toBe('small-embedder');
  });

  it('holds a chat prompt to the prompt-size conditions at their bounds', () => {
    const sized = [
      { when: { max_prompt_tokens: 100 }, use: 'small' },
      { use: 'large' },
    ];
    const tokensOf = (text: string) => estimatePromptTokens(chat({ messages: [user(text)] }));
    let text = 'a';
    while (tokensOf(text + 'aaaa') <= 100) text += 'aaaa';
    expect(tokensOf(text)).toBeLessThanOrEqual(100);
    expect(chooseSmartModel(sized, { chat: chat({ messages: [user(text)] }), ...noHeaders })).toBe('small');
    const over = text + 'aaaa';
    expect(tokensOf(over)).toBeGreaterThan(100);
    expect(chooseSmartModel(sized, { chat: chat({ messages: [user(over)] }), ...noHeaders })).toBe('large');
  });
});
