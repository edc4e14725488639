import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { setHeapGrowingPercent } from '../src/set-heap-growing-percent.js';

const run = promisify(execFile);
const moduleUrl = new URL('../dist/set-heap-growing-percent.js', import.meta.url).href;

/**
 * In a fresh node with a 4 GB heap limit (where V8 grows its old generation the most):
 * ~24 MB kept alive while ~400 MB of objects live a little while (long enough to be
 * promoted) and die. Prints the largest heap V8 had reserved along the way.
 */
const churn = `
  import v8 from 'node:v8';
  const { setHeapGrowingPercent } = await import(${JSON.stringify(moduleUrl)});
  setHeapGrowingPercent(Number(process.argv[1]));
  const live = Array.from({ length: 200 }, () => new Array(15_000).fill(0).map((_, i) => ({ i })));
  let peak = 0;
  let batch = [];
  for (let round = 0; round < 400; round++) {
    batch.push(Array.from({ length: 10_000 }, (_, i) => ({ round, i, text: 'x' + i })));
    if (batch.length > 8) batch = [];
    if (round % 10 === 0) peak = Math.max(peak, v8.getHeapStatistics().total_heap_size);
  }
  console.log(JSON.stringify({ peakMb: peak / 2 ** 20, live: live.length }));
`;

async function peakHeapMb(percent: number): Promise<number> {
  const { stdout } = await run(process.execPath, ['--max-old-space-size=4096', '--input-type=module', '-e', churn, String(percent)]);
  return (JSON.parse(stdout) as { peakMb: number }).peakMb;
}

describe('setHeapGrowingPercent', () => {
  it('takes effect after start-up: the old generation stays far closer to what is live than with V8 left alone', async () => {
    const [bounded, unbounded] = await Promise.all([peakHeapMb(20), peakHeapMb(0)]);
    console.info(`peak heap under churn: heap_growing_percent 20 → ${bounded.toFixed(0)} MB; 0 (V8's own factor) → ${unbounded.toFixed(0)} MB`);
    expect(bounded).toBeLessThan(unbounded * 0.75);
  }, 60_000);

  it('refuses what is not a whole percent from 0 to 300 (the config schema has the same bounds)', () => {
    for (const bad of [-1, 301, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => setHeapGrowingPercent(bad)).toThrow(RangeError);
    expect(() => setHeapGrowingPercent(0)).not.toThrow();
  });
});
