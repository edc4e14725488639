/** Something with a share of traffic. */
export interface Weighted {
  readonly weight: number;
}

/**
 * Orders items by weighted random draws without replacement: the first is chosen
 * with probability weight / total, the next among the rest, and so on, so the
 * failover order follows the weights too. Items of weight 0 come last, in order.
 */
export function selectWeighted<T extends Weighted>(items: readonly T[], random: () => number): T[] {
  const remaining = items.filter((item) => item.weight > 0);
  const ordered: T[] = [];
  while (remaining.length > 0) {
    let total = 0;
    for (const item of remaining) total += item.weight;
    let point = random() * total;
    let index = 0;
    // Stop at the last item so float rounding never runs past the end.
    while (index < remaining.length - 1 && point >= remaining[index]!.weight) {
      point -= remaining[index]!.weight;
      index++;
    }
    ordered.push(remaining.splice(index, 1)[0]!);
  }
  return [...ordered, ...items.filter((item) => !(item.weight > 0))];
}
