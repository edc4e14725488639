import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  builtInPriceSheets,
  ConfigError,
  compileValidator,
  costOfUsage,
  DEFAULT_MAX_OUTPUT_TOKENS,
  modelIdVariants,
  PriceCatalog,
  priceOverridesSchema,
  type ModelPrice,
} from '../src/index.js';

const million = 1_000_000;

describe('costOfUsage', () => {
  const price: ModelPrice = { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 };

  it('bills uncached, cached, cache-write and output tokens each at their own rate', () => {
    // 1M prompt tokens: 600k read from the cache, 100k written to it, 300k plain.
    const cost = costOfUsage(price, {
      inputTokens: million,
      cachedInputTokens: 600_000,
      cacheWriteInputTokens: 100_000,
      outputTokens: 200_000,
      reasoningTokens: 150_000,
    });
    // 0.3 * 3 + 0.6 * 0.3 + 0.1 * 3.75 + 0.2 * 15 (reasoning is inside the output count)
    expect(cost).toBeCloseTo(0.9 + 0.18 + 0.375 + 3, 10);
  });

  it('does not bill reasoning tokens on top of the output tokens', () => {
    const without = costOfUsage(price, { inputTokens: 0, outputTokens: 1000 });
    const withReasoning = costOfUsage(price, { inputTokens: 0, outputTokens: 1000, reasoningTokens: 900 });
    expect(withReasoning).toBe(without);
    expect(without).toBeCloseTo(0.015, 12);
  });

  it('bills cached and cache-write tokens at the input rate when the model has no such rate', () => {
    const flat: ModelPrice = { input: 2, output: 8 };
    const cost = costOfUsage(flat, { inputTokens: million, cachedInputTokens: 400_000, cacheWriteInputTokens: 100_000, outputTokens: 0 });
    expect(cost).toBeCloseTo(2, 10);
  });

  it('is cheaper with a cache hit than without, unlike gateways that bill cached tokens at full rate', () => {
    const cold = costOfUsage(price, { inputTokens: 100_000, outputTokens: 0 });
    const warm = costOfUsage(price, { inputTokens: 100_000, cachedInputTokens: 90_000, outputTokens: 0 });
    expect(warm).toBeCloseTo(0.01 * 3 + 0.09 * 0.3, 12);
    expect(warm).toBeLessThan(cold / 4);
  });

  it('bills 1-hour cache writes at cache_write_1h, twice input when the price has none, and never more of them than writes', () => {
    const usage = { inputTokens: million, cacheWriteInputTokens: 300_000, cacheWrite1hInputTokens: 200_000, outputTokens: 0 };
    // 0.7 * 3 plain + 0.1 * 3.75 five-minute writes + 0.2 * 6 hour writes (2x input)
    expect(costOfUsage(price, usage)).toBeCloseTo(2.1 + 0.375 + 1.2, 10);
    expect(costOfUsage({ ...price, cache_write_1h: 5 }, usage)).toBeCloseTo(2.1 + 0.375 + 1, 10);
    // More hour writes than writes: clamped to the writes.
    expect(costOfUsage(price, { ...usage, cacheWrite1hInputTokens: 900_000 })).toBeCloseTo(2.1 + 1.8, 10);
    expect(compileValidator(priceOverridesSchema)({ 'anthropic/claude-sonnet-4-5': { input: 3, output: 15, cache_write_1h: 6 } }).ok).toBe(true);
  });

  it('clamps counts that do not add up instead of billing a token twice', () => {
    const cost = costOfUsage(price, { inputTokens: 1000, cachedInputTokens: 5000, cacheWriteInputTokens: 500, outputTokens: -3 });
    expect(cost).toBeCloseTo((1000 * 0.3) / million, 15);
  });
});

describe('PriceCatalog lookups', () => {
  const catalog = new PriceCatalog();

  it('finds built-in prices by provider/model', () => {
    expect(catalog.lookup('openai', 'gpt-4o')).toMatchObject({ input: 2.5, output: 10, cached_input: 1.25 });
    expect(catalog.lookup('anthropic', 'claude-sonnet-4-5')).toMatchObject({ input: 3, output: 15, cached_input: 0.3, cache_write: 3.75 });
    expect(catalog.resolve('anthropic', 'claude-sonnet-4-5')).toMatchObject({ key: 'anthropic/claude-sonnet-4-5', origin: 'built-in', match: 'exact' });
  });

  it('finds dated snapshots, -latest aliases and Bedrock inference profiles under their base id', () => {
    expect(catalog.resolve('anthropic', 'claude-sonnet-4-5-20250929')).toMatchObject({ key: 'anthropic/claude-sonnet-4-5', match: 'normalized' });
    expect(catalog.resolve('anthropic', 'claude-3-5-haiku-latest')?.key).toBe('anthropic/claude-3-5-haiku');
    expect(catalog.resolve('openai', 'gpt-4o-2024-08-06')?.key).toBe('openai/gpt-4o');
    expect(catalog.resolve('bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')?.key).toBe(
      'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0',
    );
    expect(catalog.resolve('bedrock', 'global.anthropic.claude-haiku-4-5-20251001-v1:0')?.price.input).toBe(1);
  });

  it('a snapshot priced apart from its alias keeps its own price: gpt-4o-2024-05-13 is not billed as gpt-4o', () => {
    // Stripped of its date it found gpt-4o ($2.50/$10): a budget counted half of what OpenAI and Azure bill ($5/$15).
    for (const provider of ['openai', 'azure', 'openai-eu']) {
      expect(catalog.lookup(provider, 'gpt-4o-2024-05-13'), provider).toMatchObject({ input: 5, output: 15, max_output: 4_096 });
      expect(catalog.cost(provider, 'gpt-4o-2024-05-13', { inputTokens: million, outputTokens: million }).costUsd).toBe(20);
    }
    expect(catalog.lookup('openai', 'gpt-4o-2024-05-13')?.cached_input).toBeUndefined();
    expect(catalog.resolve('openai', 'gpt-4o-2024-11-20')?.key).toBe('openai/gpt-4o');
  });

  it('prices every mock model through the mock/* wildcard', () => {
    expect(catalog.resolve('mock', 'echo')).toMatchObject({ key: 'mock/*', match: 'wildcard', price: { input: 1, output: 2 } });
    expect(catalog.cost('mock', 'anything', { inputTokens: million, outputTokens: million })).toEqual({ costUsd: 3, priced: true });
  });

  it('falls back to the same model id under another provider (Azure deployments, custom provider names)', () => {
    expect(catalog.resolve('azure', 'gpt-4.1')).toMatchObject({ key: 'azure/gpt-4.1', match: 'exact' });
    expect(catalog.resolve('my-groq', 'llama-3.3-70b-versatile')).toMatchObject({
      key: 'groq/llama-3.3-70b-versatile',
      match: 'other-provider',
    });
    expect(catalog.resolve('openai-eu', 'gpt-4o-mini-2024-07-18')?.key).toBe('openai/gpt-4o-mini');
  });

  it('reports an unknown model as unpriced, costing 0, and tells the hook without logging', () => {
    const onUnknownModel = vi.fn();
    const log = vi.spyOn(console, 'warn');
    const quiet = new PriceCatalog({ onUnknownModel });
    expect(quiet.lookup('openai', 'gpt-99-ultra')).toBeUndefined();
    expect(quiet.cost('openai', 'gpt-99-ultra', { inputTokens: 10, outputTokens: 10 })).toEqual({ costUsd: 0, priced: false });
    expect(onUnknownModel).toHaveBeenCalledWith('openai', 'gpt-99-ultra');
    expect(quiet.maxCost('nope', 'nothing', 100, 100)).toEqual({ costUsd: 0, priced: false });
    expect(onUnknownModel).toHaveBeenCalledTimes(1);
    expect(log).not.toHaveBeenCalled();
    log.mockRestore();
  });

  it('answers the same from its memo, and keeps the memo bounded under a flood of client-made names', () => {
    const flooded = new PriceCatalog();
    const first = flooded.resolve('openai', 'gpt-4o');
    expect(flooded.resolve('openai', 'gpt-4o')).toBe(first);
    // Names a client may send: the memo forgets everything at its bound rather than grow.
    for (let n = 0; n < 10_000; n++) expect(flooded.resolve(`p${n % 7}`, `no-such-model-${n}`)).toBeUndefined();
    expect((flooded as unknown as { resolvedCount: number }).resolvedCount).toBeLessThanOrEqual(4096);
    expect(flooded.resolve('openai', 'gpt-4o')).toEqual(first);
    expect(flooded.resolve('anthropic', 'claude-sonnet-4-5')?.key).toBe('anthropic/claude-sonnet-4-5');
    // The same model under two providers is two entries, not one.
    expect(flooded.resolve('my-groq', 'llama-3.3-70b-versatile')?.match).toBe('other-provider');
    expect(flooded.resolve('groq', 'llama-3.3-70b-versatile')?.match).toBe('exact');
  });
});

describe('PriceCatalog overrides', () => {
  it('win over the built-in price of the same model', () => {
    const catalog = new PriceCatalog({ overrides: { 'openai/gpt-4o': { input: 1, output: 4 } } });
    expect(catalog.resolve('openai', 'gpt-4o')).toMatchObject({ origin: 'override', price: { input: 1, output: 4 } });
    // Without cached_input of its own, an override bills cache reads at its input rate.
    expect(catalog.cost('openai', 'gpt-4o', { inputTokens: million, cachedInputTokens: million, outputTokens: 0 }).costUsd).toBeCloseTo(1, 10);
    expect(catalog.lookup('openai', 'gpt-4o-mini')?.input).toBe(0.15);
  });

  it('add models and providers the catalog does not know', () => {
    const catalog = new PriceCatalog({
      overrides: { 'together/meta-llama/Llama-3.3-70B-Instruct-Turbo': { input: 0.88, output: 0.88, max_output: 4096 } },
    });
    expect(catalog.cost('together', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', { inputTokens: million, outputTokens: million })).toEqual({
      costUsd: 1.76,
      priced: true,
    });
  });

  // max_output is what the model can write, not a price: an override giving only rates (the docs' own
  // `openai/gpt-4o: { input: 2, output: 8 }`) reserved 8,192 output tokens for a model that writes 16,384.
  it('an override without max_output keeps the built-in max_output of the model it prices', () => {
    const catalog = new PriceCatalog({
      overrides: { 'openai/gpt-4o': { input: 2, output: 8 }, 'azure/*': { input: 2.2, output: 8.8 }, 'fast/gpt-4.1': { input: 1, output: 4 } },
    });
    expect(catalog.lookup('openai', 'gpt-4o')).toEqual({ input: 2, output: 8, max_output: 16_384 });
    expect(catalog.maxCost('openai', 'gpt-4o-2024-08-06', 0).costUsd).toBeCloseTo((16_384 * 8) / million, 12);
    expect(catalog.lookup('azure', 'gpt-4o')?.max_output).toBe(16_384);
    // A provider name of the user's own serving a model the catalog knows under another provider.
    expect(catalog.lookup('fast', 'gpt-4.1')?.max_output).toBe(32_768);
    // A model the catalog does not know keeps the default.
    expect(catalog.lookup('azure', 'my-finetune')?.max_output).toBeUndefined();
    expect(catalog.maxCost('azure', 'my-finetune', 0).costUsd).toBeCloseTo((8192 * 8.8) / million, 12);
    // One of its own wins, and the listing shows the override as written.
    expect(new PriceCatalog({ overrides: { 'openai/gpt-4o': { input: 2, output: 8, max_output: 1000 } } }).lookup('openai', 'gpt-4o')?.max_output).toBe(1000);
    expect(catalog.entries().find((entry) => entry.key === 'openai/gpt-4o')?.price).toEqual({ input: 2, output: 8 });
  });

  it('a provider/* override prices every model of that provider, even ones the catalog lists', () => {
    const catalog = new PriceCatalog({ overrides: { 'azure/*': { input: 0.5, output: 0.5 } } });
    expect(catalog.resolve('azure', 'gpt-4o')).toMatchObject({ key: 'azure/*', origin: 'override', match: 'wildcard' });
    expect(catalog.resolve('openai', 'gpt-4o')?.origin).toBe('built-in');
  });

  it('an exact override beats a wildcard override', () => {
    const catalog = new PriceCatalog({
      overrides: { 'ollama/*': { input: 0, output: 0 }, 'ollama/llama3.3': { input: 0.1, output: 0.1 } },
    });
    expect(catalog.lookup('ollama', 'llama3.3')?.input).toBe(0.1);
    expect(catalog.lookup('ollama', 'qwen3')?.input).toBe(0);
  });

  it('an override also wins the other-provider fallback', () => {
    const catalog = new PriceCatalog({ overrides: { 'groq/llama-3.1-8b-instant': { input: 0.04, output: 0.04 } } });
    expect(catalog.resolve('fast-llama', 'llama-3.1-8b-instant')).toMatchObject({ origin: 'override', match: 'other-provider' });
  });

  it('are checked against the schema and rejected with a ConfigError', () => {
    expect(() => new PriceCatalog({ overrides: { 'openai/gpt-4o': { input: -1, output: 2 } } })).toThrow(ConfigError);
    expect(() => new PriceCatalog({ overrides: { 'no-slash': { input: 1, output: 2 } } })).toThrow(ConfigError);
    expect(() => new PriceCatalog({ overrides: { 'a/b': { input: 1 } as ModelPrice } })).toThrow(ConfigError);
    expect(() => new PriceCatalog({ overrides: { 'a/b': { input: 1, output: 1, typo: 3 } as ModelPrice } })).toThrow(ConfigError);
  });

  it('refuse a price past $1 a token, which made a cost of Infinity that reached the ledger', () => {
    for (const field of ['input', 'output', 'cached_input', 'cache_write'] as const) {
      expect(() => new PriceCatalog({ overrides: { 'a/b': { input: 1, output: 1, [field]: 1e308 } } })).toThrow(ConfigError);
    }
    expect(() => new PriceCatalog({ overrides: { 'a/b': { input: 1_000_000, output: 1_000_000 } } })).not.toThrow();
  });

  it('property: any price the schema takes and any usage an upstream may report cost a finite amount', () => {
    const rate = fc.oneof(fc.double({ min: 0, max: 1_000_000, noNaN: true }), fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true }));
    const count = fc.oneof(fc.constant(Number.MAX_SAFE_INTEGER), fc.nat());
    fc.assert(
      fc.property(rate, rate, rate, rate, count, count, count, count, (input, output, cachedInput, cacheWrite, inputTokens, outputTokens, cached, written) => {
        let catalog: PriceCatalog;
        try {
          catalog = new PriceCatalog({ overrides: { 'a/b': { input, output, cached_input: cachedInput, cache_write: cacheWrite } } });
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect(Math.max(input, output, cachedInput, cacheWrite)).toBeGreaterThan(1_000_000);
          return;
        }
        const usage = { inputTokens, outputTokens, cachedInputTokens: cached, cacheWriteInputTokens: written };
        expect(Number.isFinite(catalog.cost('a', 'b', usage).costUsd)).toBe(true);
        expect(Number.isFinite(catalog.maxCost('a', 'b', inputTokens, outputTokens).costUsd)).toBe(true);
      }),
    );
  });

  it('the exported schema accepts what the docs show', () => {
    const validate = compileValidator(priceOverridesSchema);
    expect(
      validate({
        'openai/gpt-4o': { input: 2.5, output: 10, cached_input: 1.25 },
        'anthropic/claude-sonnet-4-5': { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75, max_output: 64000 },
        'ollama/*': { input: 0, output: 0 },
      }).ok,
    ).toBe(true);
  });

  it('entries() lists overrides and the built-ins they do not replace', () => {
    const catalog = new PriceCatalog({ overrides: { 'openai/gpt-4o': { input: 1, output: 4 } } });
    const gpt4o = catalog.entries().filter((entry) => entry.key === 'openai/gpt-4o');
    expect(gpt4o).toEqual([{ key: 'openai/gpt-4o', price: { input: 1, output: 4 }, origin: 'override' }]);
  });
});

describe('PriceCatalog.maxCost', () => {
  const catalog = new PriceCatalog();

  it('reserves the prompt at the dearest prompt rate and max_tokens at the output rate', () => {
    // Claude Sonnet 4.5: a 1-hour cache write ($6, 2x input) costs more than a 5-minute one ($3.75) or plain input ($3).
    const { costUsd, priced } = catalog.maxCost('anthropic', 'claude-sonnet-4-5', 10_000, 1000);
    expect(priced).toBe(true);
    expect(costUsd).toBeCloseTo((10_000 * 6 + 1000 * 15) / million, 12);
  });

  it('reserves a 1-hour write only for a model with cache writes, at cache_write_1h when its price has one', () => {
    const overridden = new PriceCatalog({ overrides: { 'anthropic/claude-sonnet-4-5': { input: 3, output: 15, cache_write: 3.75, cache_write_1h: 5 } } });
    expect(overridden.maxCost('anthropic', 'claude-sonnet-4-5', 10_000, 1000).costUsd).toBeCloseTo((10_000 * 5 + 1000 * 15) / million, 12);
    // gpt-4o has no cache writes: its prompt is reserved at its input rate, not twice it.
    expect(catalog.maxCost('openai', 'gpt-4o', 1000, 1).costUsd).toBeCloseTo((1000 * 2.5 + 10) / million, 12);
  });

  it('uses the model output limit when the request sets no max_tokens', () => {
    expect(catalog.maxCost('openai', 'gpt-4o', 1000).costUsd).toBeCloseTo((1000 * 2.5 + 16_384 * 10) / million, 12);
  });

  it(`falls back to ${DEFAULT_MAX_OUTPUT_TOKENS} output tokens when the limit is unknown`, () => {
    const withoutLimit = new PriceCatalog({ overrides: { 'acme/plain': { input: 1, output: 2 } } });
    expect(withoutLimit.maxCost('acme', 'plain', 1000).costUsd).toBeCloseTo((1000 * 1 + DEFAULT_MAX_OUTPUT_TOKENS * 2) / million, 12);
  });

  it('never reserves 0 for a max_tokens that is not a positive finite number (1e309 reads as Infinity)', () => {
    const unset = catalog.maxCost('openai', 'gpt-4o', 1000).costUsd;
    for (const absurd of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 0, -5]) {
      expect(catalog.maxCost('openai', 'gpt-4o', 1000, absurd).costUsd).toBe(unset);
    }
    expect(unset).toBeGreaterThan((1000 * 2.5) / million);
  });

  it('maxCostUsd gives maxCost().costUsd, for known, normalised and unknown models and any max_tokens', () => {
    const models = [['anthropic', 'claude-sonnet-4-5'], ['openai', 'gpt-4o'], ['openai', 'gpt-4o-2024-08-06'], ['acme', 'unknown']] as const;
    for (const [provider, model] of models) {
      for (const prompt of [0, 1, 1234, -5, Number.NaN, 1e12]) {
        for (const maxTokens of [undefined, 1, 700, 0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e309]) {
          expect(catalog.maxCostUsd(provider, model, prompt, maxTokens)).toBe(catalog.maxCost(provider, model, prompt, maxTokens).costUsd);
        }
      }
    }
  });

  it('is never below the settled cost of a call within those limits', () => {
    const usage = { inputTokens: 5000, cachedInputTokens: 1000, cacheWriteInputTokens: 3000, outputTokens: 700 };
    const reserved = catalog.maxCost('anthropic', 'claude-sonnet-4-5', 5000, 700).costUsd;
    expect(reserved).toBeGreaterThanOrEqual(catalog.cost('anthropic', 'claude-sonnet-4-5', usage).costUsd);
  });
});

describe('built-in catalog data', () => {
  const sheets = Object.entries(builtInPriceSheets);

  it('covers the main models of every supported provider', () => {
    const catalog = new PriceCatalog();
    const expected: [string, string][] = [
      ['openai', 'gpt-4o'], ['openai', 'gpt-4o-mini'], ['openai', 'gpt-4.1'], ['openai', 'gpt-4.1-mini'], ['openai', 'gpt-4.1-nano'],
      ['openai', 'o3'], ['openai', 'o4-mini'], ['openai', 'gpt-5'], ['openai', 'gpt-5-mini'],
      ['openai', 'text-embedding-3-small'], ['openai', 'text-embedding-3-large'],
      ['anthropic', 'claude-opus-4-1'], ['anthropic', 'claude-sonnet-4-5'], ['anthropic', 'claude-sonnet-4'],
      ['anthropic', 'claude-haiku-4-5'], ['anthropic', 'claude-3-5-haiku'],
      ['gemini', 'gemini-2.5-pro'], ['gemini', 'gemini-2.5-flash'], ['gemini', 'gemini-2.5-flash-lite'], ['gemini', 'gemini-embedding-001'],
      ['mistral', 'mistral-large-latest'], ['mistral', 'mistral-medium-latest'], ['mistral', 'mistral-small-latest'],
      ['mistral', 'mistral-embed'], ['mistral', 'codestral-latest'],
      ['cohere', 'command-a-03-2025'], ['cohere', 'command-r-plus'], ['cohere', 'command-r'], ['cohere', 'embed-v4.0'],
      ['deepseek', 'deepseek-chat'], ['deepseek', 'deepseek-reasoner'],
      ['groq', 'llama-3.3-70b-versatile'], ['groq', 'llama-3.1-8b-instant'],
      ['xai', 'grok-4'], ['xai', 'grok-3-mini'],
      ['bedrock', 'anthropic.claude-sonnet-4-5-20250929-v1:0'], ['bedrock', 'meta.llama3-3-70b-instruct-v1:0'], ['bedrock', 'amazon.nova-pro-v1:0'],
      ['azure', 'gpt-4o'], ['azure', 'gpt-5'],
    ];
    for (const [provider, model] of expected) {
      expect(catalog.resolve(provider, model)?.match, `${provider}/${model}`).toBe('exact');
    }
  });

  it('gives every provider a source and an as_of date', () => {
    for (const [provider, sheet] of sheets) {
      expect(sheet.source.length, provider).toBeGreaterThan(0);
      expect(sheet.as_of, provider).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(Object.keys(sheet.models).length, provider).toBeGreaterThan(0);
    }
  });

  it('has non-negative prices and sane limits in every entry', () => {
    const validate = compileValidator(priceOverridesSchema);
    for (const [provider, sheet] of sheets) {
      for (const [model, { notes, ...price }] of Object.entries(sheet.models)) {
        const key = `${provider}/${model}`;
        expect(price.input, key).toBeGreaterThanOrEqual(0);
        expect(price.output, key).toBeGreaterThanOrEqual(0);
        // Every built-in entry must be expressible as a YAML override too.
        expect(validate({ [key]: price }).ok, key).toBe(true);
        if (price.cached_input !== undefined) expect(price.cached_input, key).toBeLessThanOrEqual(price.input);
        if (notes !== undefined) expect(notes.length, key).toBeGreaterThan(0);
      }
    }
  });

  it('lists every entry with its source through entries()', () => {
    const entries = new PriceCatalog().entries();
    expect(entries.length).toBeGreaterThan(50);
    for (const entry of entries) {
      expect(entry.source, entry.key).toBeTruthy();
      expect(entry.asOf, entry.key).toBeTruthy();
    }
  });
});

describe('modelIdVariants', () => {
  it('keeps the id first and adds base ids without dates, -latest or inference-profile prefixes', () => {
    expect(modelIdVariants('gpt-4o')).toEqual(['gpt-4o']);
    expect(modelIdVariants('gpt-4o-2024-08-06')).toEqual(['gpt-4o-2024-08-06', 'gpt-4o']);
    expect(modelIdVariants('claude-opus-4-1-20250805')).toEqual(['claude-opus-4-1-20250805', 'claude-opus-4-1']);
    expect(modelIdVariants('eu.amazon.nova-lite-v1:0')).toEqual(['eu.amazon.nova-lite-v1:0', 'amazon.nova-lite-v1:0']);
    expect(modelIdVariants('mistral-large-latest')).toEqual(['mistral-large-latest', 'mistral-large']);
  });

  it("prices a Gemini model named as its resource (`models/…`, which the Gemini provider calls as it is) like its bare id, not as an unpriced model costing 0", () => {
    expect(modelIdVariants('models/gemini-2.5-pro')).toEqual(['models/gemini-2.5-pro', 'gemini-2.5-pro']);
    const catalog = new PriceCatalog();
    expect(catalog.resolve('gemini', 'models/gemini-2.5-pro')).toMatchObject({ key: 'gemini/gemini-2.5-pro', match: 'normalized' });
  });
});
