import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { costOfUsage, PriceCatalog, type ModelPrice } from '@switchyard/core';

// A budget holds a call's maximum (PriceCatalog.maxCost) and is charged its cost
// (costOfUsage). For a price without cache-write rates (a `prices:` override of rates
// alone, `anthropic/claude-sonnet-4-5: { input: 3, output: 15 }`), the hold priced a
// 1-hour cache write at `input` ("a model without them never bills one") while the bill
// priced it at twice `input`: a prompt written to Anthropic's 1-hour cache cost twice
// what was held for it, and the budget was spent past its limit. A price without
// cache-write rates now bills every cache write at `input`, as it holds them.

const million = 1_000_000;

describe('a 1-hour cache write', () => {
  it('on a price without cache-write rates is billed at input, as held', () => {
    const catalog = new PriceCatalog({ overrides: { 'anthropic/claude-sonnet-4-5': { input: 3, output: 15 } } });
    const usage = { inputTokens: 100_000, cacheWriteInputTokens: 100_000, cacheWrite1hInputTokens: 100_000, outputTokens: 10 };
    const held = catalog.maxCost('anthropic', 'claude-sonnet-4-5', 100_000, 10).costUsd;
    const billed = catalog.cost('anthropic', 'claude-sonnet-4-5', usage).costUsd;
    expect(billed).toBeCloseTo((100_000 * 3 + 10 * 15) / million, 12);
    expect(billed).toBeLessThanOrEqual(held);
  });

  it('on a price with a cache_write rate is still billed at twice input without cache_write_1h, and held so', () => {
    const price: ModelPrice = { input: 3, output: 15, cache_write: 3.75 };
    const usage = { inputTokens: 1000, cacheWriteInputTokens: 1000, cacheWrite1hInputTokens: 1000, outputTokens: 0 };
    expect(costOfUsage(price, usage)).toBeCloseTo((1000 * 6) / million, 12);
    const catalog = new PriceCatalog({ overrides: { 'anthropic/claude-sonnet-4-5': price } });
    expect(catalog.maxCost('anthropic', 'claude-sonnet-4-5', 1000, 1).costUsd).toBeGreaterThanOrEqual(costOfUsage(price, usage));
  });

  it('never costs more than the hold made for the same prompt and output, whatever the price fields given', () => {
    // Rates to the thousandth of a dollar a million: no subnormal float, whose rounding is no longer relative.
    const rate = fc.integer({ min: 0, max: 100_000 }).map((thousandths) => thousandths / 1000);
    const count = fc.integer({ min: 0, max: 1_000_000 });
    fc.assert(
      fc.property(
        rate,
        rate,
        fc.option(rate, { nil: undefined }),
        fc.option(rate, { nil: undefined }),
        fc.option(rate, { nil: undefined }),
        count,
        count,
        count,
        count,
        count,
        (input, output, cachedInput, cacheWrite, cacheWrite1h, inputTokens, outputTokens, cached, written, writtenHour) => {
          const price: ModelPrice = { input, output };
          if (cachedInput !== undefined) price.cached_input = cachedInput;
          if (cacheWrite !== undefined) price.cache_write = cacheWrite;
          if (cacheWrite1h !== undefined) price.cache_write_1h = cacheWrite1h;
          const catalog = new PriceCatalog({ overrides: { 'acme/model': price } });
          const usage = {
            inputTokens,
            outputTokens,
            cachedInputTokens: cached,
            cacheWriteInputTokens: written,
            cacheWrite1hInputTokens: writtenHour,
          };
          const held = catalog.maxCost('acme', 'model', inputTokens, Math.max(outputTokens, 1)).costUsd;
          const billed = catalog.cost('acme', 'model', usage).costUsd;
          // Float noise of the two sums (different groupings) aside.
          expect(billed).toBeLessThanOrEqual(held * (1 + 1e-12) + 1e-15);
        },
      ),
      { numRuns: 500 },
    );
  });
});
