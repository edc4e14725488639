/**
 * Fastest first by the measured time to first byte. Deployments never measured
 * come first, so each gets tried and measured once; among the measured, ties keep
 * their given order (pass them weighted-shuffled to spread ties).
 */
export function selectLeastLatency<T>(items: readonly T[], latencyOf: (item: T) => number | undefined): T[] {
  const unknown = items.filter((item) => latencyOf(item) === undefined);
  const measured = items
    .filter((item) => latencyOf(item) !== undefined)
    .map((item) => ({ item, latency: latencyOf(item)! }))
    .sort((a, b) => a.latency - b.latency)
    .map(({ item }) => item);
  return [...unknown, ...measured];
}
