/** Something with a share of traffic. */
export interface Weighted {
  readonly weight: number;
}

/**
 * Orders items by weighted random draws without replacement: the first is chosen
 * with probability weight / total, the next among the rest, and so on, so the
 * failover order follows the weights too. Items of weight 0 come last, in order.
 * Drawn in place in one array (it runs on every request): the draws are the same
 * as taking each chosen item out of a list of the rest.
 */
export function selectWeighted<T extends Weighted>(items: readonly T[], random: () => number): T[] {
  const ordered: T[] = [];
  for (const item of items) if (item.weight > 0) ordered.push(item);
  const drawable = ordered.length;
  for (let drawn = 0; drawn < drawable; drawn++) {
    // ordered[drawn..drawable) are the items not drawn yet, in their config order.
    let total = 0;
    for (let index = drawn; index < drawable; index++) total += ordered[index]!.weight;
    let point = random() * total;
    let index = drawn;
    // Stop at the last item so float rounding never runs past the end.
    while (index < drawable - 1 && point >= ordered[index]!.weight) {
      point -= ordered[index]!.weight;
      index++;
    }
    const chosen = ordered[index]!;
    ordered.copyWithin(drawn + 1, drawn, index);
    ordered[drawn] = chosen;
  }
  for (const item of items) if (!(item.weight > 0)) ordered.push(item);
  return ordered;
}
