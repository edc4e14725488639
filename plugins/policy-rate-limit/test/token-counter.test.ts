import { estimatePromptTokens, MESSAGE_TOKEN_OVERHEAD, textLength, type ChatRequest } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { countChatTokens, createPromptTokenCounter, openAIEncodingFor } from '../src/index.js';

const request = (model: string, text: string): ChatRequest => ({
  model,
  stream: false,
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: [{ type: 'text', text }] },
  ],
});

describe('prompt token counting', () => {
  it("knows OpenAI's encodings by model id, whatever the provider prefix", () => {
    expect(openAIEncodingFor('openai/gpt-4o')).toBe('o200k_base');
    expect(openAIEncodingFor('azure/gpt-4.1-mini')).toBe('o200k_base');
    expect(openAIEncodingFor('o3-mini')).toBe('o200k_base');
    expect(openAIEncodingFor('openai/gpt-5')).toBe('o200k_base');
    expect(openAIEncodingFor('openai/gpt-4-turbo')).toBe('cl100k_base');
    expect(openAIEncodingFor('openai/text-embedding-3-small')).toBe('cl100k_base');
    expect(openAIEncodingFor('anthropic/claude-sonnet-4-5')).toBeUndefined();
    expect(openAIEncodingFor('groq/llama-3.3-70b')).toBeUndefined();
    expect(openAIEncodingFor('mistral/open-mistral-7b')).toBeUndefined();
  });

  it('with the estimate, counts exactly as core does', () => {
    const counter = createPromptTokenCounter('estimate');
    const chat = request('openai/gpt-4o', 'The quick brown fox jumps over the lazy dog.');
    expect(counter.chat(chat)).toBe(estimatePromptTokens(chat));
    // The same walk: texts whose estimated characters are whole tokens (8, and 44 + the full stop's 4) sum the same either way.
    const whole: ChatRequest = { ...chat, messages: [{ role: 'system', content: 'Be terse' }, { role: 'user', content: [{ type: 'text', text: 'The quick brown fox jumps over the lazy dogs.' }] }] };
    const chars = (text: string) => Math.ceil(textLength(text) / 4);
    expect(countChatTokens(whole, chars)).toBe(estimatePromptTokens(whole));
    // What only the fast path sends (a Responses tool output, Anthropic search results) counts too.
    const withToolItems: ChatRequest = { ...whole, fastPathOnlyPromptTokens: 1_000 };
    expect(countChatTokens(withToolItems, chars)).toBe(estimatePromptTokens(whole) + 1_000);
    expect(countChatTokens(withToolItems, chars)).toBe(estimatePromptTokens(withToolItems));
  });

  it('with tiktoken, counts OpenAI models with their BPE and others with the estimate; special-token text is just text', async () => {
    const counter = createPromptTokenCounter('tiktoken');
    await counter.ready;
    const text = 'The quick brown fox jumps over the lazy dog. <|endoftext|>';
    // o200k_base: "You are terse." is 4 tokens; the user text 17.
    expect(counter.chat(request('openai/gpt-4o', text))).toBe(4 + 4 + 4 + 4 + 17);
    expect(counter.chat(request('anthropic/claude-sonnet-4-5', text))).toBe(estimatePromptTokens(request('x', text)));
    expect(counter.embeddings({ model: 'openai/text-embedding-3-small', input: ['hello world', 'hi'] })).toBe(3);
    expect(counter.embeddings({ model: 'mock/embed', input: [[1, 2, 3, 4]] })).toBe(4);
  });

  it('with tiktoken, counts a text, tool name or arguments that is not text as none, and content that is not a list of parts as no text, as core does: never a throw', async () => {
    const counter = createPromptTokenCounter('tiktoken');
    await counter.ready;
    // What a Responses conversation stored before its items were checked can hold.
    const junk = [12345, { a: 1 }, null, ['x']] as unknown as string[];
    const messages = junk.flatMap((value) => [
      { role: 'user', content: [{ type: 'text', text: value }] },
      { role: 'assistant', content: [{ type: 'tool-call', id: 'c', name: value, arguments: value }] },
      { role: 'user', content: value as unknown as [] },
    ]) as ChatRequest['messages'];
    const chat: ChatRequest = { model: 'openai/gpt-4o', stream: false, messages };
    expect(counter.chat(chat)).toBe(MESSAGE_TOKEN_OVERHEAD * (1 + messages.length));
    expect(counter.chat(chat)).toBe(estimatePromptTokens(chat));
  });
});
