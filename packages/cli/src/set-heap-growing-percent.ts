import { setFlagsFromString } from 'node:v8';

/**
 * Bounds how far V8 lets the old generation grow past what survived the last full
 * collection. With a heap limit of 2 GB or more (any machine with 16 GB of memory)
 * V8 picks a factor of up to 4: a gateway with ~35 MB live peaks near 280 MB RSS at
 * 64 concurrent requests, nearly all of it garbage waiting to be collected.
 *
 * A process-wide V8 flag, set by `switchyard start` only: an app that embeds the
 * gateway owns its process's flags. V8 reads this one each time it sets the next
 * collection's limit, so setting it after start-up takes effect (measured:
 * bench/memory-breakdown.js). 0 leaves V8's heuristic, and any flag given to node, alone.
 */
export function setHeapGrowingPercent(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0 || percent > 300) throw new RangeError(`heap_growing_percent must be an integer from 0 to 300, not ${percent}`);
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
