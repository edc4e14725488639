import type { ChatMessage, ChatRequest } from '@switchyard/core';
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
});
