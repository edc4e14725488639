import { describe, expect, it } from 'vitest';
import { toHeaderValue } from '../src/index.js';

describe('toHeaderValue', () => {
  it('passes visible ASCII through unchanged', () => {
    expect(toHeaderValue('openrouter/meta-llama/llama-3.1-8b:free')).toBe('openrouter/meta-llama/llama-3.1-8b:free');
  });

  it('percent-encodes what Node would refuse in a header, so setHeader cannot throw', () => {
    for (const value of ['mock/😀', 'mock/a\nb', 'mock/\u0000', 'mock/é']) {
      const encoded = toHeaderValue(value);
      expect(encoded).toMatch(/^[\x20-\x7e]*$/);
      expect(decodeURIComponent(encoded)).toBe(value);
    }
  });

  it('does not throw on a lone surrogate', () => {
    expect(toHeaderValue('mock/\uD800')).toBe('mock%2F%EF%BF%BD');
  });

  it('cuts a value past maxLength', () => {
    expect(toHeaderValue('x'.repeat(5000))).toHaveLength(1024);
    expect(toHeaderValue('x'.repeat(50), 10)).toBe('x'.repeat(10));
  });
});
