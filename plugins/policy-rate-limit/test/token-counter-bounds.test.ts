import { readFileSync } from 'node:fs';
import type { ChatRequest } from '@switchyard/core';
import { describe, expect, it, vi } from 'vitest';
import { createPromptTokenCounter } from '../src/index.js';

/** Every text the real o200k_base tokenizer is handed, by length. */
const handed = vi.hoisted(() => [] as number[]);

vi.mock('gpt-tokenizer/encoding/o200k_base', async (importOriginal) => {
  const real = await importOriginal<typeof import('gpt-tokenizer/encoding/o200k_base')>();
  return {
    ...real,
    countTokens: (text: string, options?: Parameters<typeof real.countTokens>[1]) => {
      handed.push(text.length);
      return real.countTokens(text, options);
    },
  };
});

const chat = (...texts: string[]): ChatRequest => ({
  model: 'openai/gpt-4o',
  stream: false,
  messages: texts.map((text) => ({ role: 'user' as const, content: [{ type: 'text' as const, text }] })),
});

describe('prompt token counting with tiktoken, on hostile text', () => {
  it('never hands the tokenizer a long run without word breaks', async () => {
    const counter = createPromptTokenCounter('tiktoken');
    await counter.ready;
    handed.length = 0;
    // BPE is quadratic in a run without word breaks: 100,000 letters took 11 s of the event loop, a 4 MB body hours.
    const tokens = counter.chat(chat('a'.repeat(20_000), ' '.repeat(20_000), `${'x'.repeat(20_000)} and some words`));
    expect(Math.max(...handed)).toBeLessThanOrEqual(128);
    expect(handed.reduce((sum, length) => sum + length, 0)).toBe(60_000 + ' and some words'.length);
    expect(tokens).toBeGreaterThan(0);
  });

  it('tokenizes a bounded number of characters per request and estimates the rest', async () => {
    const counter = createPromptTokenCounter('tiktoken');
    await counter.ready;
    handed.length = 0;
    const words = 'lorem ipsum dolor sit amet '.repeat(40);
    const texts = Array.from({ length: 300 }, () => words);
    const tokens = counter.chat(chat(...texts));
    const tokenized = handed.reduce((sum, length) => sum + length, 0);
    expect(tokenized).toBeLessThanOrEqual(262_144);
    // What the tokenizer did not see is estimated at four characters a token, never dropped.
    expect(tokens).toBeGreaterThanOrEqual(Math.ceil((300 * words.length - tokenized) / 4));
  });

  it('estimates the rest as core does: a token for each digit or character outside ASCII, not four characters a token', async () => {
    const counter = createPromptTokenCounter('tiktoken');
    await counter.ready;
    handed.length = 0;
    // The tokenizer's share spent on words; then 100,000 digits and 100,000 Chinese characters it does not see.
    const words = 'lorem ipsum dolor sit amet '.repeat(10_000);
    const tokens = counter.chat(chat(words, '7'.repeat(100_000), '天'.repeat(100_000)));
    expect(handed.reduce((sum, length) => sum + length, 0)).toBeLessThanOrEqual(262_144);
    expect(tokens).toBeGreaterThanOrEqual(200_000);
  });

  it('counts ordinary text as the whole-text tokenizer does, to within 1%', async () => {
    const counter = createPromptTokenCounter('tiktoken');
    await counter.ready;
    const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base');
    const text = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const exact = countTokens(text, { disallowedSpecial: new Set() });
    const counted = counter.chat(chat(text)) - 8; // less the message overheads
    expect(Math.abs(counted - exact) / exact).toBeLessThan(0.01);
  });
});
