/**
 * Fewest requests in flight first. Ties keep their given order, so pass the items
 * weighted-shuffled for an idle gateway to spread its traffic.
 */
export function selectLeastBusy<T>(items: readonly T[], inFlightOf: (item: T) => number): T[] {
  return items
    .map((item) => ({ item, inFlight: inFlightOf(item) }))
    .sort((a, b) => a.inFlight - b.inFlight)
    .map(({ item }) => item);
}
