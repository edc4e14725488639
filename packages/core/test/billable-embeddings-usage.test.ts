import { describe, expect, it } from 'vitest';
import { readEmbeddingsUsage } from '../src/canonical/read-embeddings-usage.js';
import { withBillableEmbeddingsUsage } from '../src/pricing/billable-embeddings-usage.js';
import { estimateEmbeddingsTokens } from '../src/pricing/estimate-embeddings-tokens.js';

const request = { model: 'openai/text-embedding-3-small', input: ['x'.repeat(40), 'y'.repeat(6)] };

describe('the usage an embeddings answer bills', () => {
  it('estimates four characters a token of text, and token-id inputs as they are', () => {
    expect(estimateEmbeddingsTokens(request)).toBe(12);
    expect(estimateEmbeddingsTokens({ model: 'm', input: [[1, 2, 3], [4]] })).toBe(4);
  });

  it('reads an input count by the shared rule: absent or not a count is no usage', () => {
    expect(readEmbeddingsUsage(7)).toEqual({ inputTokens: 7 });
    expect(readEmbeddingsUsage('7')).toEqual({ inputTokens: 7 });
    expect(readEmbeddingsUsage(0)).toEqual({ inputTokens: 0 });
    for (const value of [undefined, null, -9, 9.5, Number.POSITIVE_INFINITY, 'lots', {}]) expect(readEmbeddingsUsage(value), String(value)).toBeUndefined();
  });

  it('keeps a usage the upstream gave (the same object) and fills one it did not with the estimate', () => {
    const usage = { inputTokens: 3 };
    expect(withBillableEmbeddingsUsage({ model: 'm', embeddings: [], usage }, request).usage).toBe(usage);
    expect(withBillableEmbeddingsUsage({ model: 'm', embeddings: [], usage: undefined }, request).usage).toEqual({ inputTokens: 12 });
  });

  it('bills 0 tokens reported for an input with text as the estimate, and 0 for an input without any', () => {
    expect(withBillableEmbeddingsUsage({ model: 'm', embeddings: [], usage: { inputTokens: 0 } }, request).usage).toEqual({ inputTokens: 12 });
    expect(withBillableEmbeddingsUsage({ model: 'm', embeddings: [], usage: { inputTokens: 0 } }, { model: 'm', input: [''] }).usage).toEqual({ inputTokens: 0 });
  });
});
