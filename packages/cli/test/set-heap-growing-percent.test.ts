import { beforeEach, describe, expect, it, vi } from 'vitest';

const setFlagsFromString = vi.hoisted(() => vi.fn());
vi.mock('node:v8', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:v8')>()), setFlagsFromString }));

const { setHeapGrowingPercent } = await import('../src/set-heap-growing-percent.js');

// What the flag does to the heap is V8's business and is measured, not asserted: bench/memory-breakdown.js
// with BENCH_HEAP_GROWING_PERCENT=0|20 (docs/deploy.md, Memory). A timed or sized check of V8's collector in
// a test depends on the machine's load (concurrent marking lets the heap overshoot its limit by a varying amount).
describe('setHeapGrowingPercent', () => {
  beforeEach(() => setFlagsFromString.mockClear());

  it("sets V8's --heap-growing-percent to the configured percent", () => {
    setHeapGrowingPercent(20);
    expect(setFlagsFromString.mock.calls).toEqual([['--heap-growing-percent=20']]);
  });

  it("leaves V8's own factor, and any flag given to node, alone with 0", () => {
    setHeapGrowingPercent(0);
    expect(setFlagsFromString).not.toHaveBeenCalled();
  });

  it('refuses what is not a whole percent from 0 to 300 (the config schema has the same bounds), setting nothing', () => {
    for (const bad of [-1, 301, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => setHeapGrowingPercent(bad)).toThrow(RangeError);
    expect(setFlagsFromString).not.toHaveBeenCalled();
  });
});
