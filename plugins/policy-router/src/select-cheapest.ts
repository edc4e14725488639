/**
 * Cheapest first by a cost per call (any consistent unit: the same tokens for every
 * deployment). Ties keep their given order.
 */
export function selectCheapest<T>(items: readonly T[], costOf: (item: T) => number): T[] {
  return items
    .map((item) => ({ item, cost: costOf(item) }))
    .sort((a, b) => a.cost - b.cost)
    .map(({ item }) => item);
}
